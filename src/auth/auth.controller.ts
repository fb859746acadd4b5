import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AllowRestrictedSession, Can, Public, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor, RequestMeta } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { CurrentRequest } from '../common/request-meta.decorator.js';
import { AuthService } from './auth.service.js';
import { LoginResponse, MeResponse, MfaActivateResponse, MfaEnrollResponse, StepUpResponse } from './dto/auth.response.js';
import { ActivateMfaDto, LoginDto, TotpDto } from './dto/login.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Log in with username and password (and a TOTP code where the role requires MFA) */
  @Public()
  @Post('login')
  @HttpCode(200)
  login(@CurrentRequest() meta: RequestMeta, @Body() dto: LoginDto): Promise<LoginResponse> {
    return this.auth.login(meta, dto);
  }

  /** End this session; the token is refused from the next request on */
  @Can(Action.Update, 'Account')
  @Purpose('ADMINISTRATION')
  @AllowRestrictedSession()
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentActor() actor: Actor): Promise<void> {
    await this.auth.logout(actor);
  }

  /** The authenticated user */
  @Can(Action.Read, 'Account')
  @Purpose('ADMINISTRATION')
  @AllowRestrictedSession()
  @Get('me')
  me(@CurrentActor() actor: Actor): Promise<MeResponse> {
    return this.auth.whoAmI(actor);
  }

  /** Start TOTP enrolment: returns the seed once */
  @Can(Action.Update, 'Account')
  @Purpose('ADMINISTRATION')
  @AllowRestrictedSession()
  @Post('mfa/enroll')
  @HttpCode(200)
  enroll(@CurrentActor() actor: Actor): Promise<MfaEnrollResponse> {
    return this.auth.enrollMfa(actor);
  }

  /** Confirm enrolment with a first code; returns recovery codes and a new session token */
  @Can(Action.Update, 'Account')
  @Purpose('ADMINISTRATION')
  @AllowRestrictedSession()
  @Post('mfa/activate')
  @HttpCode(200)
  activate(@CurrentActor() actor: Actor, @Body() dto: ActivateMfaDto): Promise<MfaActivateResponse> {
    return this.auth.activateMfa(actor, dto);
  }

  /** Verify a second factor now: opens a 10-minute window for exports and break-glass */
  @Can(Action.Update, 'Account')
  @Purpose('ADMINISTRATION')
  @Post('step-up')
  @HttpCode(200)
  stepUp(@CurrentActor() actor: Actor, @Body() dto: TotpDto): Promise<StepUpResponse> {
    return this.auth.stepUp(actor, dto);
  }
}
