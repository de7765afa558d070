import { cluster } from '../../vitest.shared.ts';

export default cluster;
