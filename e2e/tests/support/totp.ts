// RFC 6238 codes computed from the secret the portal shows, as an authenticator app would: the
// server tests' own implementation (independent of the server's TOTP library), at the wall clock.
import { stepAt, totpCode } from "../../../server/test/support/totp.ts";

export { totpCode };

/** The time step (Unix seconds / 30) now. */
export function currentStep(): number {
  return stepAt(new Date());
}
