/** Version reported by /version, / and the service.version resource attribute unless PODINFO_VERSION overrides it. */
export const DEFAULT_VERSION = '0.1.0';
