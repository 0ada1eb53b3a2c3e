// Which header versions a request and its response use (Kafka's ApiMessageTypeGenerator):
// request header v2 for flexible request versions, else v1 (v0 only for ControlledShutdown
// v0); response header v1 for flexible versions, else v0 — and always v0 for ApiVersions
// (KIP-511), so a client that does not know the broker yet can read the answer.
import { FLEXIBLE_FROM } from './generated/flexible-versions.js';

export const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const from = FLEXIBLE_FROM.get(apiKey);
  return from !== undefined && from >= 0 && apiVersion >= from;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}
