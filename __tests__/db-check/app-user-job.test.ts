import {
  appUserJob,
  localCommand,
  majorMismatch,
  retireLoginsJob,
  serverMajor,
} from "../../scripts/db-check/app-user-job";
import { APP_USER_SQL, RETIRE_LOGINS_SQL } from "../../modules/kubernetes/database-app-user";
import { synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const stack = synthEnvironment("prod").json("app") as unknown as Json;
const job = appUserJob(stack);
const retire = retireLoginsJob(stack);
const scripts = { "/sql/create-app-user.sql": APP_USER_SQL, "/sql/retire-app-logins.sql": RETIRE_LOGINS_SQL };

describe("db-check reads the app's login Jobs as synthesized", () => {
  it("finds the scripts the Jobs mount, at the path each command reads", () => {
    expect(job.files).toEqual(scripts);
    expect(job.command).toEqual(["psql", "--no-psqlrc", "--file=/sql/create-app-user.sql"]);
    expect(retire?.files).toEqual(scripts);
    expect(retire?.command).toEqual(["psql", "--no-psqlrc", "--file=/sql/retire-app-logins.sql"]);
  });

  it("keeps each Job's literal environment (the app's role and logins included) and the keys its Secret adds", () => {
    for (const j of [job, retire]) {
      expect(j?.env).toMatchObject({
        PGDATABASE: "marketing_agents",
        APP_SCHEMA: "marketing_agents",
        PGSSLMODE: "require",
        APP_ROLE: "marketing_agents_app",
        APP_LOGINS: "marketing_agents_app_a,marketing_agents_app_b",
        // The login prod's secret names at its rotation generation (0).
        APP_LOGIN: "marketing_agents_app_a",
      });
      expect([...(j?.secretKeys ?? [])].sort()).toEqual(["APP_PASSWORD", "APP_USER", "PGPASSWORD", "PGUSER"]);
    }
  });

  it("reads no retire Job from a stack that has none (db-check then fails its checks)", () => {
    const resource = stack.resource as Record<string, Record<string, Json>>;
    const jobs = Object.fromEntries(
      Object.entries(resource.kubernetes_job_v1).filter(([id]) => !id.startsWith("database-app-user_retire-job")),
    );
    expect(retireLoginsJob({ ...stack, resource: { ...resource, kubernetes_job_v1: jobs } })).toBeUndefined();
  });

  it("runs the Job's own arguments with the local psql and the file where it was written", () => {
    expect(localCommand(job, "/usr/lib/postgresql/15/bin/psql", (f) => `/tmp/x${f}`)).toEqual([
      "/usr/lib/postgresql/15/bin/psql",
      "--no-psqlrc",
      "--file=/tmp/x/sql/create-app-user.sql",
    ]);
  });

  it("fails when the Job no longer runs psql", () => {
    expect(() => localCommand({ ...job, command: ["sh", "-c", "true"] }, "psql", (f) => f)).toThrow(
      /runs sh, not psql/,
    );
  });
});

describe("db-check refuses a server of another major than config's", () => {
  it("reads the major of Debian's and upstream's version lines", () => {
    expect(serverMajor("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)")).toBe("15");
    expect(serverMajor("postgres (PostgreSQL) 16.14")).toBe("16");
  });

  it("accepts the configured major and names both majors when they differ", () => {
    expect(majorMismatch("15", "postgres (PostgreSQL) 15.18", "/bin15")).toBeUndefined();
    expect(majorMismatch("15", "postgres (PostgreSQL) 16.14", "/bin16")).toBe(
      "config asks for PostgreSQL 15, but /bin16/postgres is 16: install postgresql-15, or point DB_CHECK_PG_BIN at its bin folder",
    );
    expect(majorMismatch("15", "", "/none")).toMatch(/is unrecognised/);
  });
});
