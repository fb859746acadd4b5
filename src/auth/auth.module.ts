import { Global, Module } from '@nestjs/common';
import { AuthController } from './auth.controller.js';
import { AuthRepository } from './auth.repository.js';
import { AuthService } from './auth.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordService } from './password.service.js';
import { TotpService } from './totp.service.js';

@Global()
@Module({
  controllers: [AuthController],
  providers: [AuthService, AuthRepository, PasswordService, TotpService, LoginThrottleService],
  exports: [AuthService, PasswordService, TotpService],
})
export class AuthModule {}
