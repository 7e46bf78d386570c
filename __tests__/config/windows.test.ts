import { MIN_WINDOW_MINUTES, dailyWindowMinutes, weeklyWindowMinutes, windowsClash } from "../../config/windows";

describe("RDS windows as minutes", () => {
  it.each([
    ["03:00-06:00", 180],
    ["03:00-03:30", 30],
    ["23:30-00:10", 40],
    ["00:00-23:59", 1439],
    ["10:15-10:15", 0],
  ])("a daily window %s lasts %i minutes (past midnight too)", (window, minutes) => {
    expect(dailyWindowMinutes(window)).toBe(minutes);
  });

  it.each([
    ["Mon:00:00-Mon:03:00", 180],
    ["sun:23:00-mon:01:00", 120],
    ["Tue:10:00-Thu:10:00", 2880],
    ["Wed:05:30-Wed:06:00", 30],
  ])("a weekly window %s lasts %i minutes (past the week's end too, any case)", (window, minutes) => {
    expect(weeklyWindowMinutes(window)).toBe(minutes);
  });

  it("requires 30 minutes, RDS's minimum", () => {
    expect(MIN_WINDOW_MINUTES).toBe(30);
  });

  it.each([
    ["03:00-04:00", "Mon:05:00-Mon:06:00", false, "an hour apart"],
    ["03:00-04:00", "Mon:04:01-Mon:05:00", false, "a minute apart"],
    ["03:00-04:00", "Mon:04:00-Mon:05:00", true, "maintenance starts as backups end"],
    ["03:00-04:00", "Mon:02:00-Mon:03:00", true, "maintenance ends as backups start"],
    ["03:00-04:00", "Mon:03:30-Mon:04:30", true, "overlapping"],
    ["03:00-04:00", "Sat:02:00-Sat:05:00", true, "covering, on a Saturday"],
    ["23:30-00:30", "Mon:00:00-Mon:00:20", true, "backups that wrap midnight into Monday"],
    ["23:30-00:30", "Sun:23:40-Sun:23:50", true, "on the week's last evening"],
    ["01:00-02:00", "Sun:23:00-Mon:00:30", false, "maintenance wrapping the week, clear of backups"],
    ["00:10-00:40", "Sun:23:00-Mon:00:30", true, "maintenance wrapping the week into backups"],
    ["12:00-13:00", "Wed:13:01-Wed:13:30", false, "just after, mid-week"],
  ])("backups %s and maintenance %s clash: %s (%s)", (backup, maintenance, clash) => {
    expect(windowsClash(backup, maintenance)).toBe(clash);
  });
});
