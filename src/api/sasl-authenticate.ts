// SaslAuthenticate (key 36), versions 0-2 (KIP-152): one SASL token each way, after a
// SaslHandshake v1. v1 adds the session lifetime (KIP-368: connections.max.reauth.ms, 0 for
// none), v2 is flexible. A failed authentication is SASL_AUTHENTICATION_FAILED with Kafka's
// message, sent after connection.failed.authentication.delay.ms, and closes the connection.
// After authentication (no re-authentication begun), or on a listener without SASL:
// ILLEGAL_SASL_STATE, as Kafka answers it.
import { SaslAuthenticateApi, type SaslAuthenticateRequest, type SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';

export const saslAuthenticate = defineHandler(SaslAuthenticateApi, { min: 0, max: 2 }, (request: SaslAuthenticateRequest, ctx): SaslAuthenticateResponse => {
  if (!ctx.sasl) {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  }
  const result = ctx.sasl.authenticate(request.authBytes);
  if (result.close !== null) ctx.closeAfterResponse(result.close, result.delayMs);
  return { errorCode: result.errorCode, errorMessage: result.errorMessage, authBytes: result.authBytes, sessionLifetimeMs: result.sessionLifetimeMs };
});
