/**
 * @module
 * `deno task token`: prints (stdout, nothing else) a JWT the local stack accepts.
 *
 *   deno task token --tenant <uuid> --user <uuid> --role <owner|manager|staff|viewer> [--email e] [--expires-in 3600]
 *   deno task token --service
 *   deno task token --anon
 */

import { parseArgs } from "node:util";
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
  const secret = await loadOrCreateJwtSecret(loadLocalSettings().dataDir);
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
