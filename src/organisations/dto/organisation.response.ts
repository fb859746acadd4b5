import type { AreaLevel, OrganisationType } from '../organisation-types.js';

export class OrganisationResponse {
  id!: string;
  name!: string;
  type!: OrganisationType;
  parentId!: string | null;
  canRefer!: boolean;
  servedAreaIds!: string[];
  covenantSignedAt!: string | null;
  covenantVersion!: string | null;
  active!: boolean;
  version!: number;
}

export class OrganisationPage {
  items!: OrganisationResponse[];
  nextCursor!: string | null;
}

export class MunicipalityResponse {
  id!: string;
  code!: string;
  name!: string;
}

export class DistrictResponse {
  id!: string;
  level!: AreaLevel;
  code!: string;
  name!: string;
  parentId!: string | null;
  active!: boolean;
  municipalities!: MunicipalityResponse[];
}

export class DistrictList {
  items!: DistrictResponse[];
}
