/**
 * The charts a stack pulls cannot be there yet because an earlier stack of the same delivery
 * creates where they live (a chart mirror repository the cluster stack adds). Not a failure of
 * the stack: a plan stops it for a second delivery, planned once that earlier stack is applied.
 */
export class ChartsNotReadyError extends Error {
  constructor(
    message: string,
    /** The ECR repository that does not exist yet (`dev-charts/metrics-server`): deploy finds the stack that creates it. */
    readonly repository: string,
  ) {
    super(message);
    this.name = "ChartsNotReadyError";
  }
}
