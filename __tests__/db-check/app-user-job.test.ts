import { appUserJob, localCommand, majorMismatch, serverMajor } from "../../scripts/db-check/app-user-job";
import { APP_USER_SQL } from "../../modules/kubernetes/database-app-user";
import { synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const job = appUserJob(synthEnvironment("prod").json("app") as unknown as Json);

describe("db-check reads the create-app-user Job as synthesized", () => {
  it("finds the script the Job mounts, at the path its command reads", () => {
    expect(job.files).toEqual({ "/sql/create-app-user.sql": APP_USER_SQL });
    expect(job.command).toEqual(["psql", "--no-psqlrc", "--file=/sql/create-app-user.sql"]);
  });

  it("keeps the Job's literal environment and the keys its Secret adds", () => {
    expect(job.env).toMatchObject({
      PGDATABASE: "marketing_agents",
      APP_SCHEMA: "marketing_agents",
      PGSSLMODE: "require",
    });
    expect([...job.secretKeys].sort()).toEqual(["APP_PASSWORD", "APP_USER", "PGPASSWORD", "PGUSER"]);
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
