// Parse + map throughput on one core: ADT^A01 (corpus and a Chinese sample), ORU^R01.
// ./build/bench/medbridge_parse_map_bench   (items_per_second = messages/s on one thread)
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "mappings/hl7v2/Charset.h"
#include "mappings/hl7v2/Mapping.h"
#include "mappings/hl7v2/Message.h"

namespace {

namespace hl7 = medbridge::mappings::hl7v2;

std::string load(const std::string& relative) {
  std::ifstream in(std::string(MEDBRIDGE_BENCH_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void parseOnly(benchmark::State& state, const std::string& file) {
  std::string raw = load(file);
  for (auto _ : state) {
    hl7::Message m = hl7::Message::parse(hl7::decodeToUtf8(raw).utf8);
    benchmark::DoNotOptimize(m.segments().size());
  }
  state.SetItemsProcessed(state.iterations());
}

void parseAndMap(benchmark::State& state, const std::string& file) {
  std::string raw = load(file);
  hl7::MappingContext ctx;
  ctx.receivedAt = "2026-01-01T00:00:00+08:00";
  ctx.contentHash = "0";  // computed once at ingest (duplicate detection), not per mapping
  for (auto _ : state) {
    hl7::Message m = hl7::Message::parse(hl7::decodeToUtf8(raw).utf8);
    hl7::MappingResult r = hl7::mapMessage(m, ctx);
    benchmark::DoNotOptimize(r.bundleJson.size());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(parseOnly, ADT_A01_corpus, "tests/golden/hl7v2/ADT-A01-01.hl7");
BENCHMARK_CAPTURE(parseOnly, ADT_A01_zh, "tests/golden/hl7v2/ADT-A01-zh.hl7");
BENCHMARK_CAPTURE(parseOnly, ORU_R01_zh, "tests/golden/hl7v2/ORU-R01-zh.hl7");
BENCHMARK_CAPTURE(parseAndMap, ADT_A01_corpus, "tests/golden/hl7v2/ADT-A01-01.hl7");
BENCHMARK_CAPTURE(parseAndMap, ADT_A01_zh, "tests/golden/hl7v2/ADT-A01-zh.hl7");
BENCHMARK_CAPTURE(parseAndMap, ADT_A01_gb18030, "tests/golden/hl7v2/ADT-A01-gb18030.hl7");
BENCHMARK_CAPTURE(parseAndMap, ORU_R01_zh, "tests/golden/hl7v2/ORU-R01-zh.hl7");

}  // namespace

BENCHMARK_MAIN();
