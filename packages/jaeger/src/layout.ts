// Where Jaeger's files go inside its containers and who it runs as: details of this component only.
// Names, labels, ports and images of its workloads are in the mesh model (@meshobs/model, workloads/jaeger.ts).
export const CONFIG_DIR = '/etc/jaeger';
export const ES_CA_DIR = '/etc/jaeger/es-ca';
/** The credentials Secret, mounted as files (username, password). */
export const CREDENTIALS_DIR = '/etc/jaeger/es-credentials';
/** Name of the storage backend inside the jaeger_storage extension. */
export const STORAGE_NAME = 'es_main';
/** Jaeger images run as this user (USER in Jaeger's Dockerfiles). */
export const JAEGER_UID = 10001;
