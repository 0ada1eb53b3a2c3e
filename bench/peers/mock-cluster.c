/*
 * librdkafka's mock cluster (rdkafka_mock.h) as a process, a peer for `npm run bench:scale`:
 * prints its bootstrap address, then serves until stdin closes. Built by the bench with
 *   cc -O2 -o mock-cluster mock-cluster.c -lrdkafka   (Debian: librdkafka-dev)
 */
#include <stdio.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(void) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mock = rd_kafka_mock_cluster_new(rk, 1);
  if (!mock) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mock));
  fflush(stdout);
  while (getchar() != EOF) {
  }
  rd_kafka_mock_cluster_destroy(mock);
  rd_kafka_destroy(rk);
  return 0;
}
