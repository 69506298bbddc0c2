// The master patient index over FHIR: Patient writes as an index feed, records found from any
// identifier of the person, $merge / $unmerge / $unlink with their guards, and $match.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

const std::string kNid = "urn:oid:2.16.156.10011.1.3";
const std::string kZjyyMrn = "urn:oid:1.2.156.112604.1.2.1.1";
const std::string kXywsyMrn = "urn:oid:1.2.156.112604.9.1.1";
const std::string kInsurance = "urn:oid:2.16.156.10011.1.9";
const std::string kMotherNid = "11010519491231002X";  // female, born 1949-12-31

std::string identifier(const std::string& system, const std::string& value,
                       const std::string& typeCode = "") {
  std::string type =
      typeCode.empty() ? "" : R"("type":{"coding":[{"code":")" + typeCode + R"("}]},)";
  return "{" + type + R"("system":")" + system + R"(","value":")" + value + R"("})";
}

std::string patient(const std::vector<std::string>& identifiers, const std::string& family,
                    const std::string& given, const std::string& gender,
                    const std::string& birthDate) {
  std::string ids;
  for (const auto& i : identifiers) ids += (ids.empty() ? "" : ",") + i;
  std::string body = R"({"resourceType":"Patient")";
  if (!ids.empty()) body += R"(,"identifier":[)" + ids + "]";
  body += R"(,"name":[{"family":")" + family + R"(","given":[")" + given + R"("]}])";
  if (!gender.empty()) body += R"(,"gender":")" + gender + R"(")";
  return body + R"(,"birthDate":")" + birthDate + R"("})";
}

std::string observation(const std::string& patientId) {
  return R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":)"
         R"("http://loinc.org","code":"8480-6"}]},"subject":{"reference":"Patient/)" +
         patientId + R"("}})";
}

std::string parameters(const std::vector<std::pair<std::string, std::string>>& identifiers) {
  std::string params;
  for (const auto& [name, id] : identifiers)
    params += std::string(params.empty() ? "" : ",") + R"({"name":")" + name +
              R"(","valueIdentifier":)" + id + "}";
  return R"({"resourceType":"Parameters","parameter":[)" + params + "]}";
}

class PatientIndexFhir : public FhirServerTest {
 protected:
  std::string create(const std::string& type, const std::string& body) {
    auto r = call("POST", "/" + type, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return field(parsed(r.body), "id");
  }
  // The ids of a searchset's entries, in order.
  std::vector<std::string> found(const std::string& query) {
    auto r = call("GET", "/" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    auto d = parsed(r.body);
    if (d.HasMember("entry"))
      for (const auto& e : d["entry"].GetArray()) ids.push_back(field(e["resource"], "id"));
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::string operation(const std::string& name, const std::string& body, int status) {
    auto r = call("POST", "/Patient/$" + name, body);
    EXPECT_EQ(r.status, status) << name << ": " << r.body;
    return firstIssue(r.body);
  }
  std::vector<std::vector<std::string>> query(const std::string& sql) {
    return sqliteQuery(gw_.dbPath(), sql);
  }
  std::string masterOf(const std::string& system, const std::string& value) {
    auto rows = query("SELECT patient_id FROM mpi_identifiers WHERE system = '" + system +
                      "' AND value = '" + value + "'");
    return rows.empty() ? "" : rows[0][0];
  }
};

TEST_F(PatientIndexFhir, PatientWritesFeedTheIndexAndRecordsAreFoundFromAnyIdentifier) {
  // The same woman sent by two hospitals' gateways.
  std::string atZjyy =
      create("Patient", patient({identifier(kZjyyMrn, "F1"), identifier(kNid, kMotherNid)}, "王",
                                "秀英", "female", "1949-12-31"));
  std::string atXywsy = create(
      "Patient", patient({identifier(kXywsyMrn, "F2"), identifier(kNid, "11010519491231002x")},
                         "王", "秀英", "female", "1949-12-31"));
  // Her newborns: one under her ID (a review candidate), one under her ID marked as the guardian's.
  std::string baby =
      create("Patient", patient({identifier(kZjyyMrn, "F3"), identifier(kNid, kMotherNid)}, "王",
                                "宝宝", "male", "2026-11-20"));
  create("Patient", patient({identifier(kZjyyMrn, "F4"), identifier(kNid, kMotherNid, "GUARDIAN")},
                            "王", "贝贝", "female", "2026-11-20"));
  std::string obsZjyy = create("Observation", observation(atZjyy));
  std::string obsXywsy = create("Observation", observation(atXywsy));
  std::string obsBaby = create("Observation", observation(baby));

  auto [status, pix] =
      httpGet(gw_.httpPort(), "/fhir/Patient/$ihe-pix?sourceIdentifier=" + kZjyyMrn + "%7CF1");
  received_.add(pix);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(pix, R"({"resourceType":"Parameters","parameter":[)"
                 R"({"name":"targetIdentifier","valueIdentifier":{"system":")" +
                     kXywsyMrn +
                     R"(","value":"F2"}},)"
                     R"({"name":"targetIdentifier","valueIdentifier":{"system":")" +
                     kNid + R"(","value":")" + kMotherNid +
                     R"("}},)"
                     R"({"name":"targetId","valueReference":{"reference":"Patient/)" +
                     std::min(atZjyy, atXywsy) +
                     R"("}},{"name":"targetId","valueReference":{"reference":"Patient/)" +
                     std::max(atZjyy, atXywsy) + R"("}}]})");

  // Her records from either hospital's MRN or her national ID: both hospitals' observations.
  std::vector<std::string> hers{std::min(obsZjyy, obsXywsy), std::max(obsZjyy, obsXywsy)};
  EXPECT_EQ(found("Observation?subject:Patient.identifier=" + kZjyyMrn + "%7CF1"), hers);
  EXPECT_EQ(found("Observation?patient.identifier=" + kXywsyMrn + "%7CF2"), hers);
  // From her national ID, also the records of the newborn registered under it: its Patient
  // carries the number (FHIR's meaning of the search), though the index keeps it apart.
  std::vector<std::string> underHerId{obsZjyy, obsXywsy, obsBaby};
  std::sort(underHerId.begin(), underHerId.end());
  EXPECT_EQ(found("Observation?subject:Patient.identifier=" + kNid + "%7C" + kMotherNid),
            underHerId);
  // A plain Patient search keeps FHIR's meaning: the Patients that carry the identifier.
  EXPECT_EQ(found("Patient?identifier=" + kXywsyMrn + "%7CF2"), std::vector<std::string>{atXywsy});

  std::string mother = masterOf(kZjyyMrn, "F1");
  EXPECT_EQ(masterOf(kXywsyMrn, "F2"), mother);
  EXPECT_EQ(masterOf(kNid, kMotherNid), mother);
  std::string newborn = masterOf(kZjyyMrn, "F3");
  std::string twin = masterOf(kZjyyMrn, "F4");
  EXPECT_NE(newborn, mother);
  EXPECT_NE(twin, mother);
  EXPECT_NE(twin, newborn);
  EXPECT_EQ(query("SELECT kind, patient_id, other_patient_id FROM mpi_reviews"),
            (std::vector<std::vector<std::string>>{{"national-id-conflict", newborn, mother}}));
}

TEST_F(PatientIndexFhir, ConcurrentCreatesOfOneNewPatientMakeOneMasterRecord) {
  std::vector<std::thread> clients;
  std::atomic<int> created{0};
  for (int i = 0; i < 32; ++i)
    clients.emplace_back([&] {
      auto r = httpRequest(gw_.httpPort(), "POST", "/fhir/Patient",
                           patient({identifier(kZjyyMrn, "C1")}, "李", "雷", "male", "1980-01-01"),
                           kFhirJson);
      if (r.status == 201) ++created;
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(created.load(), 32);
  EXPECT_EQ(query("SELECT COUNT(*) FROM mpi_patients")[0][0], "1");
  EXPECT_EQ(query("SELECT COUNT(*) FROM mpi_history WHERE action = 'create'")[0][0], "1");
}

TEST_F(PatientIndexFhir, MergeUnmergeAndUnlinkWithTheirGuards) {
  std::string p1 =
      create("Patient", patient({identifier(kZjyyMrn, "X1")}, "张", "三", "male", "1980-01-01"));
  std::string p2 =
      create("Patient", patient({identifier(kZjyyMrn, "X2")}, "张", "叁", "male", "1980-01-01"));
  std::string p3 =
      create("Patient", patient({identifier(kZjyyMrn, "X5"), identifier(kInsurance, "I5")}, "赵",
                                "六", "female", "1970-02-02"));
  std::string o1 = create("Observation", observation(p1));
  std::string o2 = create("Observation", observation(p2));
  auto x = [](const std::string& v) { return identifier(kZjyyMrn, v); };
  auto merge = [&](const std::string& source, const std::string& target) {
    return parameters(
        {{"source-patient-identifier", x(source)}, {"target-patient-identifier", x(target)}});
  };

  EXPECT_EQ(operation("merge", merge("X2", "X1"), 200),
            "the patient of " + kZjyyMrn + "|X2 is merged into the patient of " + kZjyyMrn + "|X1");
  std::vector<std::string> both{std::min(o1, o2), std::max(o1, o2)};
  EXPECT_EQ(found("Observation?subject:Patient.identifier=" + kZjyyMrn + "%7CX1"), both);
  EXPECT_EQ(found("Observation?subject:Patient.identifier=" + kZjyyMrn + "%7CX2"), both);
  EXPECT_EQ(operation("merge", merge("X2", "X1"), 200).substr(0, 15), "the patient of ")
      << "a repeated merge changes nothing";
  EXPECT_EQ(operation("merge", merge("X1", "X2"), 422),
            "the prior and the surviving identifiers are the same patient (an inverse or self "
            "merge)");
  EXPECT_EQ(operation("merge", merge("X1", "X1"), 422),
            "identifier " + kZjyyMrn + "|X1 cannot be merged into itself");
  EXPECT_EQ(operation("merge", merge("X9", "X1"), 404),
            "no patient holds identifier " + kZjyyMrn + "|X9");
  EXPECT_EQ(operation("merge",
                      parameters({{"source-patient-identifier", identifier("urn:oid:9.9", "X2")},
                                  {"target-patient-identifier", x("X1")}}),
                      400),
            "source-patient-identifier: unknown system urn:oid:9.9");
  EXPECT_EQ(operation("merge", parameters({{"source-patient-identifier", x("X2")}}), 400),
            "the Parameters need target-patient-identifier (valueIdentifier)");
  EXPECT_EQ(operation("merge", R"({"resourceType":"Patient"})", 400),
            "the body must be a Parameters resource");
  auto get = call("GET", "/Patient/$merge");
  EXPECT_EQ(get.status, 405);

  EXPECT_EQ(operation("unmerge", parameters({{"source-patient-identifier", x("X2")}}), 200),
            "the patient of " + kZjyyMrn + "|X2 is no longer merged");
  EXPECT_EQ(found("Observation?subject:Patient.identifier=" + kZjyyMrn + "%7CX1"),
            std::vector<std::string>{o1});
  EXPECT_EQ(operation("unmerge", parameters({{"source-patient-identifier", x("X2")}}), 422),
            "the patient holding " + kZjyyMrn + "|X2 is not merged");

  EXPECT_EQ(operation("unlink", parameters({{"identifier", identifier(kInsurance, "I5")}}), 200),
            kInsurance + "|I5 now identifies a master patient of its own");
  EXPECT_NE(masterOf(kInsurance, "I5"), masterOf(kZjyyMrn, "X5"));
  EXPECT_EQ(operation("unlink", parameters({{"identifier", x("X5")}}), 422),
            "identifier " + kZjyyMrn +
                "|X5 is the patient's only identifier: there is nothing to unlink it from");
  (void)p3;

  EXPECT_EQ(query("SELECT action FROM mpi_history WHERE action NOT IN ('create', 'link') ORDER BY "
                  "id"),
            (std::vector<std::vector<std::string>>{
                {"merge"}, {"merge-repeated"}, {"unmerge"}, {"unlink"}}));
  EXPECT_EQ(query("SELECT kind FROM mpi_events ORDER BY seq"),
            (std::vector<std::vector<std::string>>{{"merge"}, {"unmerge"}, {"unlink"}}));
}

TEST_F(PatientIndexFhir, MatchScoresCandidates) {
  std::string certain =
      create("Patient", patient({identifier(kZjyyMrn, "M1"), identifier(kNid, kMotherNid)}, "王",
                                "秀英", "female", "1949-12-31"));
  std::string probable = create(
      "Patient", patient({identifier(kXywsyMrn, "M2")}, "王", "秀英", "female", "1949-12-31"));
  std::string possible = create("Patient", patient({}, "王", "秀英", "", "1949-12-31"));
  create("Patient", patient({}, "王", "秀英", "male", "1949-12-31"));    // another sex
  create("Patient", patient({}, "王", "秀兰", "female", "1949-12-31"));  // another name
  auto match = [&](const std::string& extra) {
    std::string input =
        patient({identifier(kNid, kMotherNid)}, "王", "秀英", "female", "1949-12-31");
    auto r = call("POST", "/Patient/$match",
                  R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":)" +
                      input + "}" + extra + "]}");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    auto d = parsed(r.body);
    EXPECT_EQ(field(d, "type"), "searchset");
    for (const auto& e : d["entry"].GetArray())
      out.push_back(field(e["resource"], "id") + " " + mappings::fhir::toJson(e["search"]));
    return out;
  };
  auto graded = [](const std::string& id, const std::string& score, const std::string& grade) {
    return id + R"( {"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/match-grade",)" +
           R"("valueCode":")" + grade + R"("}],"mode":"match","score":)" + score + "}";
  };
  EXPECT_EQ(match(""), (std::vector<std::string>{graded(certain, "1.0", "certain"),
                                                 graded(probable, "0.8", "probable"),
                                                 graded(possible, "0.6", "possible")}));
  EXPECT_EQ(match(R"(,{"name":"onlyCertainMatches","valueBoolean":true})"),
            std::vector<std::string>{graded(certain, "1.0", "certain")});
  EXPECT_EQ(match(R"(,{"name":"count","valueInteger":2})"),
            (std::vector<std::string>{graded(certain, "1.0", "certain"),
                                      graded(probable, "0.8", "probable")}));
  auto bad = call("POST", "/Patient/$match", R"({"resourceType":"Parameters"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(firstIssue(bad.body), "the Parameters need a parameter 'resource' holding a Patient");
}

}  // namespace
}  // namespace medbridge::testing
