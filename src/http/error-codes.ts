// The gateway's error codes: the `error_code` of every error body it answers, beside the HTTP
// status. As Confluent's REST Proxy, a code is its HTTP status followed by two digits, or the
// bare status for errors of HTTP itself (no route, a malformed body), and the codes a REST
// Proxy client knows mean what they mean there (40401 topic not found, 40402 partition not
// found, 50002 a Kafka error, ...); the 403xx and 421xx codes are Strom's own (the gateway's
// origin checks).
export const RestErrorCode = {
  /** A body that is not JSON, a path segment that does not decode. */
  MALFORMED_REQUEST: 400,
  /** No route for the path. */
  NOT_FOUND: 404,
  /** A route without the method. */
  METHOD_NOT_ALLOWED: 405,
  /** A body longer than http.max.body.bytes. */
  BODY_TOO_LARGE: 413,
  /** A Content-Type naming an embedded format not served (the schema formats). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The request is refused as Kafka refuses it: a field missing, a topic that exists, a bad config. */
  INVALID_REQUEST: 40002,
  /** A batch of records larger than max.message.bytes (or segment.bytes). */
  RECORDS_TOO_LARGE: 40005,
  /** http.authentication.method=BASIC: no credentials, or wrong ones (Confluent's code for 401). */
  UNAUTHORIZED: 40101,
  /** A cross-origin request or WebSocket from an origin not in http.allowed.origins. */
  ORIGIN_NOT_ALLOWED: 40301,
  /** A request a page of another site embeds (no CORS): refused. */
  CROSS_SITE_REQUEST: 40302,
  /** The ACLs do not allow the request's principal what it asks (authorizer.class.name set). */
  NOT_AUTHORIZED: 40303,
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  /** A REST consumer instance (v2) or a consumer group (v3) that does not exist. */
  CONSUMER_NOT_FOUND: 40403,
  /** A v3 URL naming another cluster id. */
  CLUSTER_NOT_FOUND: 40404,
  CONSUMER_ALREADY_EXISTS: 40902,
  /** A Host header that names none of the gateway's names (DNS rebinding). */
  MISDIRECTED_HOST: 42101,
  /** A body or parameter that does not have the shape the endpoint takes. */
  INVALID_ENTITY: 42200,
  /** A consumer instance's format or auto.offset.reset that is not one of those served. */
  INVALID_CONSUMER_CONFIG: 42204,
  /** A key or value that is not what its embedded format says (binary: base64). */
  INVALID_EMBEDDED_DATA: 42205,
  INTERNAL_ERROR: 50001,
  /** Kafka refused or failed the request (the message says how). */
  KAFKA_ERROR: 50002,
  /** The broker is still starting. */
  NOT_READY: 50301,
  /** http.max.connections reached. */
  TOO_MANY_CONNECTIONS: 50302,
  /** In a cluster: the partition is led by another broker (the message names it), whose gateway serves it. */
  NOT_LEADER: 50303,
} as const;

/** One of the codes above: a number written out instead fails to compile. */
export type RestErrorCode = (typeof RestErrorCode)[keyof typeof RestErrorCode];
