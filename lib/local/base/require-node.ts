// Imported first by each entry of the package, so that an older Node is told why in one line
// before anything it lacks is used (every module links on Node 20: nothing newer is imported by name).
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem();
if (problem !== undefined) throw new Error(problem);
