// SaslHandshake (key 17), versions 0-1 (KIP-43, KIP-152). On a SASL_PLAINTEXT or SASL_SSL
// listener it names the mechanism: v0 means raw SASL tokens follow, framed by a length alone
// (kafka-python 2.0 always uses it); v1 means SaslAuthenticate requests carry them (librdkafka,
// kafkajs, Java). A mechanism not enabled is answered UNSUPPORTED_SASL_MECHANISM with the
// enabled ones, after connection.failed.authentication.delay.ms, and closes the connection. On
// an authenticated connection a v1 handshake begins a re-authentication (KIP-368). On other
// listeners, as after authentication without re-authentication: ILLEGAL_SASL_STATE.
import { SaslHandshakeApi, type SaslHandshakeRequest, type SaslHandshakeResponse } from '../protocol/generated/sasl-handshake.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';

export const saslHandshake = defineHandler(SaslHandshakeApi, { min: 0, max: 1 }, (request: SaslHandshakeRequest, ctx): SaslHandshakeResponse => {
  if (!ctx.sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  const result = ctx.sasl.handshake(request.mechanism, ctx.apiVersion);
  if (result.close !== null) ctx.closeAfterResponse(result.close, result.delayMs);
  return { errorCode: result.errorCode, mechanisms: result.mechanisms };
});
