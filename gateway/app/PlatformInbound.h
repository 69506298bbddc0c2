#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>

#include "gateway/auth/TokenVerifier.h"
#include "gateway/core/Clock.h"
#include "gateway/http/HttpServer.h"
#include "gateway/store/IStore.h"
#include "mappings/fhir/Validator.h"

namespace medbridge::app {

// What the regional platform sends this hospital — new consultation requests, Task updates,
// reports — stored here as read-only replicas: pushed to POST /regional/inbound, or read by
// PlatformPoller; both come through apply(). Each resource carries the platform's
// meta.versionId; one this gateway already has (same or newer version) is skipped, so a
// delivery repeated or re-read is applied once and an older version never replaces a newer one.
// Replicas are not delivered back to the platform.
class PlatformInbound {
 public:
  struct Outcome {
    int applied = 0, duplicates = 0;
    int refusedEntry = -1;  // the entry that could not be taken (the ones before are applied)
    std::string problem;    // why
  };
  PlatformInbound(store::IStore& store, const core::IClock& clock) : store_(store), clock_(clock) {}
  // Runs in the transaction that applies each new replica version, with the version it
  // replaces (what follows from it, such as a message for the HIS, is stored with it or not at
  // all).
  using ReplicaHook = std::function<void(store::IResourceTx&, const store::ResourceVersion&,
                                         const std::optional<store::ResourceVersion>&)>;
  void onReplica(ReplicaHook hook) { hook_ = std::move(hook); }
  // A Bundle's entries (resource with meta.versionId; a DELETE request names Type/id), or one
  // resource, in order until one cannot be taken.
  Outcome apply(const rapidjson::Value& bundleOrResource);
  // POST /regional/inbound: 200 with an OperationOutcome saying what was applied; 422 naming
  // the refused entry (Bundle.entry[N]); 400 for what is not FHIR JSON; 401/403 without a token
  // with the scope medbridge/inbound (auth.mode jwt).
  http::Response handle(const http::Request& r, const auth::TokenVerifier* verifier);

 private:
  // "" when applied (or already here; `applied` says which), else why not.
  std::string applyResource(const rapidjson::Value& resource, bool& applied);
  std::string applyDelete(const std::string& url, bool& applied);

  store::IStore& store_;
  const core::IClock& clock_;
  mappings::fhir::Validator validator_;
  ReplicaHook hook_;
};

}  // namespace medbridge::app
