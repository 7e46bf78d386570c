/**
 * A refused number says what the setting counts and what it may be, in the units its name carries,
 * with the value that was given: "days, from 0 to 35 (got 168)", not zod's "expected number to be <=35".
 */
import { validateEnvironment, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { cloneConfig, problemsWhen } from "../helpers";

/** The one problem dev has with `edit` applied, without the `environment "dev", setting ` prefix. */
function problemOf(edit: (config: Record<string, Record<string, unknown>>) => void): string {
  const config = cloneConfig(dev) as unknown as Record<string, Record<string, unknown>>;
  edit(config);
  const { problems } = validateEnvironment(config as unknown as EnvironmentConfig);
  expect(problems).toHaveLength(1);
  return problems[0].replace(/^environment "dev", setting /, "");
}

describe("config messages say the unit and the allowed range", () => {
  it("days of backups: the range in days and the value given", () => {
    expect(
      problemOf((c) => {
        c.database.backupRetentionDays = 168;
      }),
    ).toBe("database.backupRetentionDays: must be a whole number of days from 0 to 35 (got 168)");
  });

  it("budget alert percentages given as fractions: whole percentages such as 80", () => {
    expect(
      problemOf((c) => {
        c.alerts.budgetAlertPercentages = [0.8, 1];
      }),
    ).toBe("alerts.budgetAlertPercentages[0]: must be whole percentages such as 80, from 1 to 1000 (got 0.8)");
  });

  it("budget alert percentages that are all 1 or less: fractions, not whole percentages", () => {
    expect(
      problemOf((c) => {
        c.alerts.budgetAlertPercentages = [1];
      }),
    ).toBe(
      "alerts.budgetAlertPercentages: must be whole percentages such as 80 (100 is the whole budget); every value here is 1 or less, an alert at 1 % of the budget",
    );
  });

  it("a size in GiB with only a floor says at least", () => {
    expect(
      problemOf((c) => {
        c.database.allocatedStorageGib = 5;
      }),
    ).toBe("database.allocatedStorageGib: must be a whole number of GiB, at least 20 (got 5)");
  });

  it("a budget in dollars must be above zero", () => {
    expect(
      problemOf((c) => {
        c.alerts.monthlyBudgetUsd = -1;
      }),
    ).toBe("alerts.monthlyBudgetUsd: must be an amount in US dollars above 0 (got -1)");
  });

  it("a percentage that may be fractional keeps its decimal floor", () => {
    expect(
      problemOf((c) => {
        c.alerts.appErrorPercent = 0;
      }),
    ).toBe("alerts.appErrorPercent: must be a percentage such as 5, from 0.1 to 100 (got 0)");
  });

  it("a count without a unit in its name is a whole number", () => {
    expect(
      problemOf((c) => {
        c.cache.nodeCount = 2.5;
      }),
    ).toBe("cache.nodeCount: must be a whole number from 1 to 6 (got 2.5)");
  });

  it("a quoted number is refused with the range it should be in", () => {
    expect(
      problemOf((c) => {
        c.database.backupRetentionDays = "7";
      }),
    ).toBe('database.backupRetentionDays: must be a whole number of days from 0 to 35 (got "7")');
  });

  it("reaches the user through the loader, with the environment named", () => {
    expect(
      problemsWhen("staging", (c) => {
        (c.database as { backupRetentionDays: number }).backupRetentionDays = 168;
      }),
    ).toContain(
      'environment "staging", setting database.backupRetentionDays: must be a whole number of days from 0 to 35 (got 168)',
    );
  });
});
