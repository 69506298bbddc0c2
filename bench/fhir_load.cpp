// FHIR REST load client (issue 4 benchmark): loads N resources (Patients, Encounters,
// Observations) through transaction Bundles, then measures reads and
// `Observation?patient=...&date=ge...` searches from keep-alive connections.
// usage: medbridge_fhir_load PORT [SIZE=100000] [THREADS=4] [SECONDS=10]
// Works against any FHIR R4 server at http://127.0.0.1:PORT/fhir (bench/run-fhir.sh runs it
// against medbridge and against Medplum's FHIR router).
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  explicit Client(int port) : session("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(120, 0));
  }
  // The HTTP status, or 0 when the server did not answer in time (the session reconnects).
  int request(const std::string& method, const std::string& path, const std::string& body,
              std::string& out) {
    try {
      return exchange(method, path, body, out);
    } catch (const Poco::Exception& e) {
      out = e.displayText();
      session.reset();
      return 0;
    }
  }
  int exchange(const std::string& method, const std::string& path, const std::string& body,
               std::string& out) {
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    req.set("Accept", "application/fhir+json");
    if (!body.empty()) {
      req.setContentType("application/fhir+json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    out.clear();
    Poco::StreamCopier::copyToString(in, out);
    return res.getStatus();
  }
  Poco::Net::HTTPClientSession session;
};

std::string uuid(std::mt19937_64& r) {
  char buf[37];
  std::uint64_t a = r(), b = r();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFF),
                static_cast<unsigned>((b >> 48) & 0xFFF),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

// The ids ("Type/id") in a transaction-response, in entry order.
std::vector<std::string> locations(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = body.find("\"location\":\"", at)) != std::string::npos) {
    at += 12;
    std::string loc = body.substr(at, body.find('"', at) - at);
    auto fhir = loc.find("/fhir/");
    if (fhir != std::string::npos) loc = loc.substr(fhir + 6);
    auto history = loc.find("/_history");
    if (history != std::string::npos) loc.resize(history);
    out.push_back(loc);
  }
  return out;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: medbridge_fhir_load PORT [SIZE=100000] [THREADS=4] [SECONDS=10]\n";
    return 2;
  }
  int port = std::atoi(argv[1]);
  int size = argc > 2 ? std::atoi(argv[2]) : 100000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 4;
  int seconds = argc > 4 ? std::atoi(argv[4]) : 10;
  constexpr int kPatientsPerBundle = 10;  // + 10 Encounters + 80 Observations = 100 entries
  int bundles = std::max(1, size / 100);

  // ---- transaction ingest ----
  std::vector<std::string> patients, observations;
  std::mutex idsMutex;
  std::atomic<int> next{0}, failed{0};
  std::vector<double> bundleMs;
  std::mutex latMutex;
  auto loadStart = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      Client c(port);
      std::mt19937_64 r(1000 + t);
      std::string out;
      for (int b; (b = next++) < bundles;) {
        std::string body = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
        for (int p = 0; p < kPatientsPerBundle; ++p) {
          std::string pid = uuid(r);
          int n = b * kPatientsPerBundle + p;
          if (p) body += ",";
          body +=
              R"({"fullUrl":"urn:uuid:)" + pid +
              R"(","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.156.10011.1.3","value":"P)" +
              std::to_string(n) + R"("}],"name":[{"family":"张","given":["三)" + std::to_string(n) +
              R"("]}],"gender":")" + (n % 2 ? "male" : "female") + R"(","birthDate":"19)" +
              std::to_string(50 + n % 50) +
              R"(-01-01"},"request":{"method":"POST","url":"Patient"}})";
          std::string eid = uuid(r);
          body +=
              R"(,{"fullUrl":"urn:uuid:)" + eid +
              R"(","resource":{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"urn:uuid:)" +
              pid + R"("}},"request":{"method":"POST","url":"Encounter"}})";
          for (int o = 0; o < 8; ++o) {
            char date[16];
            std::snprintf(date, sizeof date, "2024-%02d-%02d", 1 + static_cast<int>(r() % 12),
                          1 + static_cast<int>(r() % 28));
            body +=
                R"(,{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"subject":{"reference":"urn:uuid:)" +
                pid + R"("},"encounter":{"reference":"urn:uuid:)" + eid +
                R"("},"effectiveDateTime":")" + date + R"(","valueQuantity":{"value":)" +
                std::to_string(100 + r() % 60) +
                R"(,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},"request":{"method":"POST","url":"Observation"}})";
          }
        }
        body += "]}";
        auto t0 = Clock::now();
        int status = c.request("POST", "/fhir", body, out);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (status != 200) {
          if (failed++ < 3)
            std::cerr << "transaction: " << status << " " << out.substr(0, 300) << "\n";
          continue;
        }
        auto locs = locations(out);
        std::lock_guard lock(idsMutex);
        bundleMs.push_back(ms);
        for (const auto& l : locs) {
          if (l.rfind("Patient/", 0) == 0) patients.push_back(l.substr(8));
          if (l.rfind("Observation/", 0) == 0) observations.push_back(l.substr(12));
        }
      }
    });
  for (auto& t : pool) t.join();
  double loadSeconds = std::chrono::duration<double>(Clock::now() - loadStart).count();
  int resources = bundles * 100 - failed * 100;
  std::printf(
      "transactions: %d resources in %d Bundles of 100 (%d clients): %.1f s = %.0f resources/s,"
      " Bundle p50 %.1f ms p99 %.1f ms, %d failed\n",
      resources, bundles, threads, loadSeconds, resources / loadSeconds, percentile(bundleMs, 0.5),
      percentile(bundleMs, 0.99), failed.load());
  if (patients.empty() || observations.empty()) return 1;

  // ---- reads and searches ----
  auto run = [&](const char* what, auto makePath) {
    std::atomic<long> count{0}, errors{0};
    std::vector<double> all;
    std::mutex m;
    auto deadline = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        Client c(port);
        std::mt19937_64 r(42 + t);
        std::vector<double> mine;
        std::string out;
        while (Clock::now() < deadline) {
          std::string path = makePath(r);
          auto t0 = Clock::now();
          int status = c.request("GET", path, "", out);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          if (status != 200) ++errors;
          ++count;
        }
        std::lock_guard lock(m);
        all.insert(all.end(), mine.begin(), mine.end());
      });
    for (auto& w : workers) w.join();
    std::printf(
        "%s: %ld in %d s (%d keep-alive clients) = %.0f/s, p50 %.2f ms p99 %.2f ms, %ld errors\n",
        what, count.load(), seconds, threads, count.load() / static_cast<double>(seconds),
        percentile(all, 0.5), percentile(all, 0.99), errors.load());
  };
  run("reads", [&](std::mt19937_64& r) {
    return "/fhir/Observation/" + observations[r() % observations.size()];
  });
  run("searches Observation?patient=&date=ge2024-06-01", [&](std::mt19937_64& r) {
    return "/fhir/Observation?patient=Patient/" + patients[r() % patients.size()] +
           "&date=ge2024-06-01";
  });
  return 0;
}
