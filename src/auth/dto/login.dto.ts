import { OptionalField } from '../../common/validators.js';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  /** Case-insensitive */
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  username!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;

  /** Six-digit TOTP code, required for roles that need MFA once enrolled */
  @OptionalField()
  @IsString()
  @Matches(/^\d{6}$/)
  totp?: string;

  /** A single-use recovery code instead of a TOTP code */
  @OptionalField()
  @IsString()
  @Matches(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/)
  recoveryCode?: string;
}

export class TotpDto {
  /** Six-digit TOTP code */
  @OptionalField()
  @IsString()
  @Matches(/^\d{6}$/)
  totp?: string;

  /** A single-use recovery code instead of a TOTP code */
  @OptionalField()
  @IsString()
  @Matches(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/)
  recoveryCode?: string;
}

export class ActivateMfaDto {
  /** Six-digit TOTP code from the newly enrolled authenticator */
  @IsString()
  @Matches(/^\d{6}$/)
  totp!: string;
}
