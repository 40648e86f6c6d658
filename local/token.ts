/**
 * @module
 * `deno task token`: prints (stdout, nothing else) a JWT the local stack accepts.
 *
 *   deno task token --tenant <uuid> --user <uuid> --role <owner|manager|staff|viewer> [--email e] [--expires-in 3600]
 *   deno task token --service
 *   deno task token --anon
 */

import { parseArgs } from "node:util";
import postgres from "postgres";
import { localClusterUrl } from "./database_url.ts";
import { loadLocalSettings } from "./settings.ts";
import { runCommand, StackError } from "./stack_error.ts";
import { anonKey, MEMBER_ROLES, serviceRoleKey, userToken } from "./tokens.ts";
import { loadOrCreateJwtSecret } from "./tokens.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        tenant: { type: "string" },
        user: { type: "string" },
        role: { type: "string" },
        email: { type: "string" },
        "expires-in": { type: "string" },
        service: { type: "boolean" },
        anon: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new StackError(
      `${
        (error as Error).message
      }. Usage: deno task token --tenant <uuid> --user <uuid> --role <role> | --service | --anon`,
    );
  }
  const settings = loadLocalSettings();
  const secret = await loadOrCreateJwtSecret(settings.dataDir);
  if (values.service) return console.log(await serviceRoleKey(secret));
  if (values.anon) return console.log(await anonKey(secret));

  for (const name of ["tenant", "user"] as const) {
    if (!values[name] || !UUID.test(values[name])) {
      throw new StackError(`--${name} must be a UUID (got "${values[name] ?? ""}").`);
    }
  }
  const role = values.role ?? "viewer";
  if (!(MEMBER_ROLES as readonly string[]).includes(role)) {
    throw new StackError(`--role must be one of ${MEMBER_ROLES.join(", ")} (got "${role}").`);
  }
  const expiresIn = Number(values["expires-in"] ?? 3600);
  if (!Number.isInteger(expiresIn) || expiresIn < 1) {
    throw new StackError(
      `--expires-in must be a whole number of seconds (got "${values["expires-in"]}").`,
    );
  }
  await registerMember(settings.databaseUrl ?? localClusterUrl(settings.dbPort), {
    tenantId: values.tenant!,
    userId: values.user!,
    role,
    email: values.email,
  });
  console.log(
    await userToken(secret, {
      tenantId: values.tenant!,
      userId: values.user!,
      email: values.email,
      expiresInSeconds: expiresIn,
    }),
  );
}

await runCommand(main);

/**
 * Makes the token's user a member of the tenant with the role asked for, in the local database,
 * so the token acts with that role (authorization reads tenant_members, never the token). When
 * the database is not running or has no such tenant, says so on stderr and carries on.
 */
async function registerMember(
  url: string,
  { tenantId, userId, role, email }: {
    tenantId: string;
    userId: string;
    role: string;
    email?: string;
  },
) {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [tenant] = await sql`select to_regclass('public.tenant_members') is not null as ready,
                                      exists (select 1 from public.tenants where id = ${tenantId}) as found`
      .catch(() => [{ ready: false, found: false }]);
    if (!tenant.ready || !tenant.found) {
      console.error(
        `shelfwatch: note: tenant ${tenantId} is not in the local database, so no membership was recorded.`,
      );
      return;
    }
    await sql`insert into public.tenant_members (tenant_id, user_id, role, display_name, email)
              values (${tenantId}, ${userId}, ${role}, ${email ?? "Local " + role}, ${
      email ?? null
    })
              on conflict (tenant_id, user_id) do update set role = excluded.role, active = true`;
  } catch (error) {
    console.error(
      `shelfwatch: note: could not record the membership (${(error as Error).message}).`,
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}
