// The node's credentials: one throwaway CA (openssl) that signs the API server's serving certificate
// and the client certificate it shows the kubelet, the service-account signing key pair, and one
// static token of a system:masters user that every component and the tests use.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NET } from './sandbox.ts';

export const ADMIN_TOKEN = 'meshobs-node-admin-token';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  saKey: string;
  saPub: string;
  tokens: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** A key and a certificate signed by the CA, valid two days. */
function signed(dir: string, name: string, subject: string, ca: { cert: string; key: string }, ext: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    subject,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    String(Date.now()),
    '-days',
    '2',
    '-extfile',
    extFile,
    '-out',
    cert,
  ]);
  return { cert, key };
}

export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '2',
    '-subj',
    '/CN=meshobs-node-ca',
  ]);
  const ca = { cert: caCert, key: caKey };
  const sans = [
    `IP:${NET.nodeIp}`,
    `IP:${NET.apiServiceIp}`,
    'IP:127.0.0.1',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'DNS:localhost',
  ].join(',');
  const apiserver = signed(dir, 'apiserver', '/CN=kube-apiserver', ca, `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  // The kubelet authorizes this user by SubjectAccessReview: bound to system:kubelet-api-admin by the node.
  const kubeletClient = signed(dir, 'kubelet-client', '/CN=kube-apiserver-kubelet-client', ca, 'extendedKeyUsage=clientAuth\n');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${ADMIN_TOKEN},meshobs-admin,meshobs-admin,"system:masters"\n`, { mode: 0o600 });
  return {
    dir,
    caCert,
    caKey,
    apiserverCert: apiserver.cert,
    apiserverKey: apiserver.key,
    kubeletClientCert: kubeletClient.cert,
    kubeletClientKey: kubeletClient.key,
    saKey,
    saPub,
    tokens,
  };
}

/** A kubeconfig with the admin token for `server`, trusting the node's CA. */
export function writeKubeconfig(file: string, server: string, caCert: string): string {
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: meshobs-node',
      '    cluster:',
      `      server: ${server}`,
      `      certificate-authority: ${caCert}`,
      'users:',
      '  - name: admin',
      '    user:',
      `      token: ${ADMIN_TOKEN}`,
      'contexts:',
      '  - name: meshobs-node',
      '    context: { cluster: meshobs-node, user: admin }',
      'current-context: meshobs-node',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}
