export const ORGANISATION_TYPES = ['PROGRAMME_OFFICE', 'POLICE', 'YOUTH_WORK', 'BANK', 'DEBT_SERVICE', 'CARE_PROVIDER', 'MUNICIPALITY', 'HALT', 'RESEARCH'] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];
export const AREA_LEVELS = ['REGION', 'DISTRICT', 'MUNICIPALITY'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];
