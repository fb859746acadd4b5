import { Foundation1764320000000 } from './1764320000000-Foundation.js';
import { Identity1764320100000 } from './1764320100000-Identity.js';
import { AuditTrail1764320200000 } from './1764320200000-AuditTrail.js';
import { CaseWork1764320300000 } from './1764320300000-CaseWork.js';
import { Research1764320400000 } from './1764320400000-Research.js';
import { ExportFileStorage1764320500000 } from './1764320500000-ExportFileStorage.js';

/** Every migration in order; the app, the CLI and the test template all run this list. */
export const MIGRATIONS = [Foundation1764320000000, Identity1764320100000, AuditTrail1764320200000, CaseWork1764320300000, Research1764320400000, ExportFileStorage1764320500000];
