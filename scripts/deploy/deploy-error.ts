/**
 * A failure the deploy command explains in one line (what went wrong and what to do). Anything
 * else is a bug; the command still prints one line for it, never a stack trace.
 */
export class DeployError extends Error {
  constructor(
    message: string,
    /** Process exit code: 1 for a failed check or run, 2 for a wrong command line. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = "DeployError";
  }
}
