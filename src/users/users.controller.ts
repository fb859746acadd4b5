import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { CreateUserDto, ListUsersQuery, UpdateUserDto } from './dto/user.dto.js';
import { RevokeSessionsResponse, UserPage, UserResponse } from './dto/user.response.js';
import { UsersService } from './users.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Users the caller may see: coordinators see the visitors of their districts, others themselves */
  @Can(Action.Read, 'User')
  @Purpose({ coordinator: 'VISIT_PLANNING', admin: 'ADMINISTRATION', privacy_officer: 'ACCOUNTABILITY', police_officer: 'ADMINISTRATION', youth_worker: 'ADMINISTRATION', referrer: 'ADMINISTRATION', researcher: 'ADMINISTRATION' })
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListUsersQuery): Promise<UserPage> {
    return this.users.list(actor, q);
  }

  /** One user, with the fields the caller may see */
  @Can(Action.Read, 'User')
  @Purpose({ coordinator: 'VISIT_PLANNING', admin: 'ADMINISTRATION', privacy_officer: 'ACCOUNTABILITY', police_officer: 'ADMINISTRATION', youth_worker: 'ADMINISTRATION', referrer: 'ADMINISTRATION', researcher: 'ADMINISTRATION' })
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<UserResponse> {
    return this.users.get(actor, id);
  }
}

@ApiTags('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  /** All user accounts (admin) */
  @Can(Action.Manage, 'User')
  @Purpose('ADMINISTRATION')
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListUsersQuery): Promise<UserPage> {
    return this.users.list(actor, q);
  }

  /** Create a user account; the password must meet the policy */
  @Can(Action.Create, 'User')
  @Purpose('ADMINISTRATION')
  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateUserDto): Promise<UserResponse> {
    return this.users.create(actor, dto);
  }

  /** Change roles, districts, name or active status; takes effect on the user's next request */
  @Can(Action.Update, 'User')
  @Purpose('ADMINISTRATION')
  @IfMatchHeader()
  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateUserDto): Promise<UserResponse> {
    return this.users.update(actor, id, version, dto);
  }

  /** End every session of a user and lift a login lock */
  @Can(Action.Update, 'User')
  @Purpose('ADMINISTRATION')
  @Post(':id/revoke-sessions')
  @HttpCode(200)
  revokeSessions(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<RevokeSessionsResponse> {
    return this.users.revokeSessions(actor, id);
  }
}
