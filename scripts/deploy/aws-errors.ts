/** Reading AWS SDK v3 errors without depending on each service's exception classes. */

/** The error's name (`NotFound`, `ResourceNotFoundException`...), or its class name. */
export function awsErrorName(error: unknown): string {
  if (error && typeof error === "object" && "name" in error) return String((error as { name: unknown }).name);
  return "Error";
}

const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "TokenRefreshRequired",
]);

/** True when the SDK found no credentials, or AWS refused them as unknown or expired. */
export function missingCredentials(error: unknown): boolean {
  return CREDENTIAL_ERRORS.has(awsErrorName(error));
}
