// Patient-index benchmark: loads N master patients with two identifiers each (a hospital MRN and
// a valid national ID) through the linking rules into a fresh SQLite store, then measures
// cross-reference (PIXm) lookups in process.
// usage: medbridge_index_bench [PATIENTS=50000] [DIR=/tmp]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gateway/identity/PatientLinker.h"
#include "gateway/store/SqliteStore.h"
#include "mappings/identity/NationalId.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace mi = medbridge::mappings::identity;

const std::string kMrn = "urn:oid:1.2.156.112604.1.2.1.1";
const std::string kNid = "urn:oid:2.16.156.10011.1.3";

mi::PatientFacts patient(long i) {
  char first17[24];
  // Region 330106, birth dates spread over 1930-2019, sequence from i.
  std::snprintf(first17, sizeof first17, "330106%04ld%02ld%02ld%03ld", 1930 + i % 90,
                1 + (i / 90) % 12, 1 + (i / 1080) % 28, (i / 30240) % 1000);
  std::string nid = std::string(first17) + mi::nationalIdCheckCharacter(first17);
  mi::PatientFacts f;
  f.resourceId = "p" + std::to_string(i);
  f.identifiers = {{kMrn, "M" + std::to_string(i), "mrn", true}, {kNid, nid, "national-id", true}};
  f.birthDate = nid.substr(6, 4) + "-" + nid.substr(10, 2) + "-" + nid.substr(12, 2);
  f.gender = (nid[16] - '0') % 2 ? "male" : "female";
  f.nameKeys = {"name" + std::to_string(i % 100000)};
  return f;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  long patients = argc > 1 ? std::atol(argv[1]) : 50000;
  std::string dir = argc > 2 ? argv[2] : "/tmp";
  std::string db = dir + "/medbridge-index-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  medbridge::store::SqliteStore store(db, 64);

  auto start = Clock::now();
  const long batch = 2000;
  for (long first = 0; first < patients; first += batch) {
    long last = std::min(patients, first + batch);
    medbridge::store::ProcessOutcome o;
    o.status = "Mapped";
    o.indexUpdate = [first, last](medbridge::identity::IIndexTables& tables) {
      for (long i = first; i < last; ++i)
        medbridge::identity::PatientLinker::link(patient(i), tables, "2026-11-23");
      return std::string();
    };
    store.complete({o}, 0);
  }
  double loadSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::uintmax_t bytes = 0;
  for (const char* suffix : {"", "-wal"})
    if (std::filesystem::exists(db + suffix)) bytes += std::filesystem::file_size(db + suffix);

  std::mt19937 rng(7);
  std::vector<double> lookups;
  for (int q = 0; q < 20000; ++q) {
    long i = std::uniform_int_distribution<long>(0, patients - 1)(rng);
    auto t0 = Clock::now();
    auto result = store.crossReference(kMrn, "M" + std::to_string(i));
    lookups.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!result || result->size() != 2) {
      std::fprintf(stderr, "lookup of M%ld failed\n", i);
      return 1;
    }
  }
  std::printf(
      "patients %ld identifiers %ld load_s %.1f identifiers_per_s %.0f db_MB %.1f "
      "pix_p50_us %.1f pix_p99_us %.1f\n",
      patients, 2 * patients, loadSeconds, 2 * patients / loadSeconds, bytes / 1048576.0,
      percentile(lookups, 0.5), percentile(lookups, 0.99));
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return 0;
}
