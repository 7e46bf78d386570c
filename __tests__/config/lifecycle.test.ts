/** `lifecycle.allowDestroy`: whether `npm run destroy` may delete the environment, and only where AWS would let it. */
import { loadEnvironments } from "../../config";
import { loadedWith, problemsWhen } from "../helpers";

describe("lifecycle.allowDestroy", () => {
  it("lets dev be destroyed and refuses staging and prod as committed", () => {
    // An environment added later (docs/environments.md) sets its own; these three are as committed.
    const allowed = Object.fromEntries(loadEnvironments().map((c) => [c.name, c.lifecycle.allowDestroy]));
    expect(allowed).toMatchObject({ dev: true, staging: false, prod: false });
  });

  it.each(["cluster", "database"] as const)(
    "fails when it is true while %s.deletionProtection is on (the destroy would stop halfway)",
    (area) => {
      const message = problemsWhen("staging", (c) => {
        c.lifecycle.allowDestroy = true;
        c.cluster.deletionProtection = area === "cluster";
        c.database.deletionProtection = area === "database";
      });
      expect(message).toContain(
        `environment "staging", setting lifecycle.allowDestroy: can be true only with ${area}.deletionProtection false (AWS refuses to delete a protected resource, so the destroy would stop halfway): set ${area}.deletionProtection false and apply it first`,
      );
    },
  );

  it("cannot be true in production: the production floor keeps deletion protection on (decommissioning starts by leaving PRODUCTION_ENVIRONMENTS)", () => {
    const message = problemsWhen("prod", (c) => {
      c.lifecycle.allowDestroy = true;
      c.cluster.deletionProtection = false;
      c.database.deletionProtection = false;
    });
    expect(message).toContain(
      'environment "prod", setting cluster.deletionProtection: must be true in a production environment',
    );
    expect(message).toContain(
      'environment "prod", setting database.deletionProtection: must be true in a production environment',
    );
  });

  it("accepts a staging with both protections off and the destroy allowed", () => {
    const loaded = loadedWith("staging", (c) => {
      c.lifecycle.allowDestroy = true;
      c.cluster.deletionProtection = false;
      c.database.deletionProtection = false;
    });
    expect(loaded.lifecycle.allowDestroy).toBe(true);
  });
});
