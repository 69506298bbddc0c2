#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/auth/TokenVerifier.h"
#include "gateway/core/Clock.h"
#include "gateway/fhir/FhirError.h"
#include "gateway/fhir/SearchPages.h"
#include "gateway/store/IStore.h"
#include "mappings/fhir/Validator.h"

namespace medbridge::fhir {

// A FHIR REST request, format-neutral: the body is JSON (the REST adapter converts XML).
struct FhirRequest {
  std::string method = "GET";
  std::vector<std::string> segments;  // the path below the FHIR base, split on '/'
  std::vector<std::pair<std::string, std::string>> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string base;  // absolute FHIR base URL ("http://127.0.0.1:8080/fhir")
  std::optional<auth::Principal> principal;  // set when auth.mode is jwt
  const std::string& header(const std::string& name) const;
  // Sets segments from a path below the base ("Patient/1/_history").
  void setPath(const std::string& path);
};

struct FhirResponse {
  int status = 200;
  std::string body;  // a FHIR resource in JSON, or empty
  std::vector<std::pair<std::string, std::string>> headers;
};

// An operation ($ihe-pix, $match, $validate, workflow operations) plugged in by other parts.
struct OperationRequest {
  const FhirRequest& request;
  std::string type;                                             // "" at system level
  std::string id;                                               // "" unless instance level
  std::vector<std::pair<std::string, std::string>> parameters;  // from the query (GET)
};
using Operation = std::function<FhirResponse(const OperationRequest&)>;

// The FHIR R4 server: interactions on the store's versioned resources, search over its index,
// validation on write against the official definitions.
class FhirServer {
 public:
  FhirServer(store::IStore& store, const core::IClock& clock);
  FhirResponse handle(const FhirRequest& request);
  // Registers `$name` on `type` ("" = system level), at type and/or instance level.
  void registerOperation(const std::string& type, const std::string& name, bool typeLevel,
                         bool instanceLevel, Operation op, std::string definition = "");
  struct Registered {
    std::string type, name, definition;
    bool typeLevel = false, instanceLevel = false;
    Operation op;
  };
  const std::vector<Registered>& operations() const { return operations_; }
  // Runs inside the write's transaction after each new version of `type` is stored (deletes
  // excluded), for derived state such as the patient index; a throw undoes the write.
  using WriteHook = std::function<void(store::IResourceTx&, const store::ResourceVersion&)>;
  void onWrite(const std::string& type, WriteHook hook);
  // Runs inside the write's transaction before a new version of `type` is stored, with the
  // current version (nullopt when there is none or it is deleted): refuses (throws FhirError) or
  // completes `proposed`. Returning false keeps the current version (a replayed proposal).
  using WriteGuard =
      std::function<bool(store::IResourceTx&, const std::optional<store::ResourceVersion>&,
                         rapidjson::Document& proposed)>;
  void guardWrites(const std::string& type, WriteGuard guard);
  // Runs after a create or update of `type` is stored: warnings for the client (a repeat order
  // of a recognised result), given with the answer — issues of severity warning with Prefer:
  // return=OperationOutcome, Warning headers (299) otherwise, the entry's outcome in a batch or
  // transaction.
  using WriteAdvisor = std::function<std::vector<std::string>(const store::ResourceVersion&)>;
  void adviseWrites(const std::string& type, WriteAdvisor advisor);
  // Runs before a create, update or delete of `type` (operations excluded): an answer it returns
  // is the request's answer (a hospital proposes workflow Tasks to the platform); nullopt lets
  // the server go on.
  using WriteInterceptor = std::function<std::optional<FhirResponse>(const FhirRequest&)>;
  // A transaction's create or update of `type` whose resource `claims` takes is not written
  // locally: once the transaction's other entries are stored, the interceptor answers it as a
  // PUT (a create gets a new id first), the Bundle's references resolved (the HIS sends a
  // workflow Task with its application; the gateway proposes the Task to the platform).
  using EntryClaim = std::function<bool(const mappings::fhir::Value& resource)>;
  void interceptWrites(const std::string& type, WriteInterceptor interceptor,
                       EntryClaim claims = nullptr);
  // A definition shipped with the binary (the rating Questionnaire): read answers it as version 1
  // while the store holds no resource of that id; it is not stored, searched or delivered.
  void ship(const std::string& type, const std::string& id, std::string json);

 private:
  FhirResponse dispatch(const FhirRequest& r);
  FhirResponse read(const FhirRequest& r, const std::string& type, const std::string& id);
  FhirResponse vread(const std::string& type, const std::string& id, const std::string& version);
  FhirResponse history(const FhirRequest& r, const std::string& type, const std::string& id);
  FhirResponse create(const FhirRequest& r, const std::string& type);
  FhirResponse update(const FhirRequest& r, const std::string& type, const std::string& id);
  FhirResponse conditionalUpdate(const FhirRequest& r, const std::string& type);
  FhirResponse remove(const FhirRequest& r, const std::string& type, const std::string& id);
  FhirResponse conditionalRemove(const FhirRequest& r, const std::string& type);
  FhirResponse search(const FhirRequest& r, const std::string& type,
                      std::vector<std::pair<std::string, std::string>> params);
  FhirResponse page(const FhirRequest& r);
  FhirResponse renderPage(const FhirRequest& r, const SearchSnapshot& s, int offset, int count);
  FhirResponse operation(const FhirRequest& r, const std::string& type, const std::string& id,
                         const std::string& name);
  FhirResponse validate(const FhirRequest& r, const std::string& type);
  FhirResponse bundle(const FhirRequest& r);
  // 403 unless the request's scopes allow reading (or writing) `type` ("*" = every type).
  void authorize(const FhirRequest& r, const std::string& type, bool write) const;

 public:
  struct BundleEntry;  // one entry of a transaction or batch being processed

 private:
  void runTransaction(const FhirRequest& r, rapidjson::Document& bundle,
                      std::vector<BundleEntry>& entries);
  void runBatch(const FhirRequest& r, std::vector<BundleEntry>& entries);
  // The claimed entries of a stored transaction, in Bundle order, through their interceptor;
  // the answer to the whole Bundle when one is refused.
  std::optional<FhirResponse> runClaimed(const FhirRequest& r, std::vector<BundleEntry>& entries);

 public:
  // What a write needs, prepared outside the store's transaction: the resource parsed and
  // validated, its stored JSON, hash and index entries. Used by Bundle processing too.
  struct PreparedWrite {
    std::string type, id, json, hash;
    std::vector<mappings::fhir::IndexEntry> index;
  };
  PreparedWrite prepare(rapidjson::Document& d, const std::string& type, const std::string& id);
  // Parses and validates a request body as a resource of `type` (throws FhirError).
  void parseResource(const std::string& body, rapidjson::Document& d, const std::string& type);
  // Conditional search criteria ("identifier=x|y") run inside a write transaction.
  std::vector<std::string> matchInTx(store::IResourceTx& tx, const std::string& type,
                                     const std::string& criteria, const std::string& base);
  struct WriteResult {
    store::ResourceVersion version;
    int status = 200;  // 201 when the resource is new (or was deleted)
  };
  // Writes w as the next version of its resource; expected = the If-Match version (0: any).
  // Identical content makes no new version.
  WriteResult storeVersion(store::IResourceTx& tx, const PreparedWrite& w, int expected);
  WriteResult deleteIn(store::IResourceTx& tx, const std::string& type, const std::string& id,
                       int expected);
  // The response to a successful write, honouring Prefer: return=...
  FhirResponse written(const FhirRequest& r, const store::ResourceVersion& v, int status);
  std::int64_t now() const { return clock_.nowMillis(); }
  // Stores a new (not deleted) version and runs the write hooks of its type.
  void putVersion(store::IResourceTx& tx, const store::ResourceVersion& v, const PreparedWrite& w);

 private:
  store::IStore& store_;
  const core::IClock& clock_;
  mappings::fhir::Validator validator_;
  SearchPages pages_;
  std::vector<Registered> operations_;
  std::multimap<std::string, WriteHook> writeHooks_;
  std::map<std::string, WriteGuard> guards_;
  std::map<std::string, WriteInterceptor> interceptors_;
  std::map<std::string, EntryClaim> claims_;
  std::map<std::string, WriteAdvisor> advisors_;
  std::vector<std::string> advice(const store::ResourceVersion& v) const;
  std::map<std::string, std::string> shipped_;  // "Type/id" -> JSON
  // w as the guard of its type completes it; nullopt when the guard keeps the current version.
  std::optional<PreparedWrite> guarded(store::IResourceTx& tx,
                                       const std::optional<store::ResourceVersion>& current,
                                       const PreparedWrite& w);
};

}  // namespace medbridge::fhir
