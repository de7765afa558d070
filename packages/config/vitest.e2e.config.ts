import { e2e } from '../../vitest.shared.ts';

export default e2e;
