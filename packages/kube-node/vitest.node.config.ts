import { node } from '../../vitest.shared.ts';

export default node;
