import { Module } from '@nestjs/common';
import { AdminUsersController, UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({ controllers: [UsersController, AdminUsersController], providers: [UsersService, UsersRepository], exports: [UsersService] })
export class UsersModule {}
