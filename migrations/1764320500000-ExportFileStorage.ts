import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Export files are read in slices while they stream to the researcher. A compressed value must be decompressed from
 * its start for every slice (quadratic in the file size); stored uncompressed, a slice fetches only its own TOAST
 * chunks. The cost is the uncompressed size on disk for the seven days a file is kept. Applies to files written from now on.
 */
export class ExportFileStorage1764320500000 implements MigrationInterface {
  name = 'ExportFileStorage1764320500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE research_export_files ALTER COLUMN bytes SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE research_export_files ALTER COLUMN bytes SET STORAGE EXTENDED`);
  }
}
