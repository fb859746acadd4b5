-- context: the transaction's role and actor settings (access-and-audit.md §2.6), the parameterised SET LOCAL
SELECT set_config('role', 'doorstep_app', true), set_config('doorstep.actor_id', :ctx_actor_id, true),
       set_config('doorstep.district_ids', :ctx_district_ids, true), set_config('doorstep.roles', :ctx_roles, true);
