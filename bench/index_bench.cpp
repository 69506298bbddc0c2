// Patient-index benchmark (issue 3).
// load: links N master patients with two identifiers each (a hospital MRN and a valid national
// ID) through the real rules into a fresh SQLite store, then writes each one's FHIR Patient
// (search-indexed), then times in process: PIXm cross-references and name + birth-date searches.
// http: times the same two lookups over HTTP against a running gateway on that store.
// usage: medbridge_index_bench load PATIENTS DIR [keep]
//        medbridge_index_bench http PORT PATIENTS
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gateway/identity/PatientLinker.h"
#include "gateway/store/SqliteStore.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchIndexer.h"
#include "mappings/fhir/SearchQuery.h"
#include "mappings/identity/NationalId.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace mi = medbridge::mappings::identity;

const std::string kMrn = "urn:oid:1.2.156.112604.1.2.1.1";
const std::string kNid = "urn:oid:2.16.156.10011.1.3";
const char* kFamilies[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                           "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                        "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
                        "刚", "桂", "英", "华", "玉", "兰", "文", "建", "国", "红"};

struct Person {
  std::string id, mrn, nid, family, given, birthDate, gender;
};

Person person(long i) {
  char first17[24];
  // Region 330106, birth dates spread over 1930-2019, sequence from i.
  std::snprintf(first17, sizeof first17, "330106%04ld%02ld%02ld%03ld", 1930 + i % 90,
                1 + (i / 90) % 12, 1 + (i / 1080) % 28, (i / 30240) % 1000);
  Person p;
  p.id = "p" + std::to_string(i);
  p.mrn = "M" + std::to_string(i);
  p.nid = std::string(first17) + mi::nationalIdCheckCharacter(first17);
  p.family = kFamilies[i % 20];
  p.given = std::string(kGiven[(i / 20) % 30]) + kGiven[(i / 600) % 30];
  p.birthDate = p.nid.substr(6, 4) + "-" + p.nid.substr(10, 2) + "-" + p.nid.substr(12, 2);
  p.gender = (p.nid[16] - '0') % 2 ? "male" : "female";
  return p;
}

mi::PatientFacts facts(const Person& p) {
  mi::PatientFacts f;
  f.resourceId = p.id;
  f.identifiers = {{kMrn, p.mrn, "mrn", true}, {kNid, p.nid, "national-id", true}};
  f.birthDate = p.birthDate;
  f.gender = p.gender;
  f.nameKeys = {mi::nameKey(p.family, p.given)};
  return f;
}

std::string patientJson(const Person& p) {
  return R"({"resourceType":"Patient","id":")" + p.id + R"(","identifier":[{"system":")" + kMrn +
         R"(","value":")" + p.mrn + R"("},{"system":")" + kNid + R"(","value":")" + p.nid +
         R"("}],"name":[{"family":")" + p.family + R"(","given":[")" + p.given +
         R"("]}],"gender":")" + p.gender + R"(","birthDate":")" + p.birthDate + R"("})";
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Times `lookup` (which returns false on a wrong answer) for `n` random patients.
bool timeLookups(long patients, int n, const std::function<bool(const Person&)>& lookup,
                 std::vector<double>& micros) {
  std::mt19937 rng(7);
  for (int q = 0; q < n; ++q) {
    Person p = person(std::uniform_int_distribution<long>(0, patients - 1)(rng));
    auto t0 = Clock::now();
    bool ok = lookup(p);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!ok) {
      std::fprintf(stderr, "lookup of %s failed\n", p.id.c_str());
      return false;
    }
  }
  return true;
}

int load(long patients, const std::string& dir, bool keep) {
  std::string db = dir + "/medbridge-index-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  medbridge::store::SqliteStore store(db, 64);
  const long batch = 2000;
  auto start = Clock::now();
  for (long first = 0; first < patients; first += batch) {
    long last = std::min(patients, first + batch);
    medbridge::store::ProcessOutcome o;
    o.status = "Mapped";
    o.indexUpdate = [first, last](medbridge::identity::IIndexTables& tables) {
      for (long i = first; i < last; ++i)
        medbridge::identity::PatientLinker::link(facts(person(i)), tables, "2026-11-23");
      return std::string();
    };
    store.complete({o}, 0);
  }
  double linkSeconds = seconds(start);
  start = Clock::now();
  for (long first = 0; first < patients; first += batch) {
    medbridge::store::ProcessOutcome o;
    o.status = "Mapped";
    for (long i = first; i < std::min(patients, first + batch); ++i) {
      Person p = person(i);
      std::string json = patientJson(p);
      rapidjson::Document d;
      medbridge::mappings::fhir::parseJson(json, d);
      o.resources.push_back(
          {"Patient", p.id, json, "", medbridge::mappings::fhir::indexEntries(d)});
    }
    store.complete({o}, 0);
  }
  double fhirSeconds = seconds(start);
  std::uintmax_t bytes = 0;
  for (const char* suffix : {"", "-wal"})
    if (std::filesystem::exists(db + suffix)) bytes += std::filesystem::file_size(db + suffix);

  std::vector<double> pix, search;
  if (!timeLookups(
          patients, 20000,
          [&](const Person& p) {
            auto r = store.crossReference(kMrn, p.mrn);
            return r && r->size() == 2;
          },
          pix))
    return 1;
  if (!timeLookups(
          patients, 20000,
          [&](const Person& p) {
            auto q = medbridge::mappings::fhir::parseSearch(
                "Patient", {{"name", p.family + p.given}, {"birthdate", p.birthDate}}, true);
            auto ids = store.search(q);
            return std::find(ids.begin(), ids.end(), p.id) != ids.end();
          },
          search))
    return 1;
  std::printf(
      "patients %ld identifiers %ld link_s %.1f identifiers_per_s %.0f fhir_patients_s %.1f "
      "patients_per_s %.0f db_MB %.1f pix_p50_us %.1f pix_p99_us %.1f name_birthdate_p50_us %.1f "
      "name_birthdate_p99_us %.1f\n",
      patients, 2 * patients, linkSeconds, 2 * patients / linkSeconds, fhirSeconds,
      patients / fhirSeconds, bytes / 1048576.0, percentile(pix, 0.5), percentile(pix, 0.99),
      percentile(search, 0.5), percentile(search, 0.99));
  if (!keep)
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return 0;
}

int overHttp(int port, long patients) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setKeepAlive(true);
  auto get = [&](const std::string& path, const std::string& expect) {
    Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Accept", "application/fhir+json");
    session.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
    return res.getStatus() == 200 && body.find(expect) != std::string::npos;
  };
  auto encoded = [](const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "|&=+?#", out);
    return out;
  };
  std::vector<double> pix, search;
  if (!timeLookups(
          patients, 5000,
          [&](const Person& p) {
            return get("/fhir/Patient/$ihe-pix?sourceIdentifier=" + encoded(kMrn + "|" + p.mrn),
                       "\"" + p.nid + "\"");
          },
          pix))
    return 1;
  if (!timeLookups(
          patients, 5000,
          [&](const Person& p) {
            return get(
                "/fhir/Patient?name=" + encoded(p.family + p.given) + "&birthdate=" + p.birthDate,
                "\"" + p.id + "\"");
          },
          search))
    return 1;
  std::printf(
      "http pix_p50_ms %.2f pix_p99_ms %.2f name_birthdate_p50_ms %.2f name_birthdate_p99_ms "
      "%.2f\n",
      percentile(pix, 0.5) / 1000, percentile(pix, 0.99) / 1000, percentile(search, 0.5) / 1000,
      percentile(search, 0.99) / 1000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "load";
  if (mode == "load")
    return load(argc > 2 ? std::atol(argv[2]) : 50000, argc > 3 ? argv[3] : "/tmp",
                argc > 4 && std::string(argv[4]) == "keep");
  if (mode == "http" && argc > 3) return overHttp(std::atoi(argv[2]), std::atol(argv[3]));
  std::fprintf(stderr,
               "usage: medbridge_index_bench load PATIENTS DIR [keep]\n"
               "       medbridge_index_bench http PORT PATIENTS\n");
  return 2;
}
