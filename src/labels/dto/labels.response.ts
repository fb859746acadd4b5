export class LabelsResponse {
  lang!: 'nl' | 'en';
  /** enum name → code → label */
  labels!: Record<string, Record<string, string>>;
}
