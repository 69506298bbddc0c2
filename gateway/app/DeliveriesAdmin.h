#pragma once

#include <vector>

#include "gateway/auth/TokenVerifier.h"
#include "gateway/http/HttpServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

class RegionalSender;

// /admin/deliveries: the delivery queues for the operator.
//   GET  /admin/deliveries[?destination=<d>&state=pending|sent|dead|discarded&after=<id>&limit=<n>]
//   POST /admin/deliveries/retry?ids=1,2 (dead → pending)   POST …/discard?ids=1,2 (dead →
//   discarded) POST /admin/deliveries/pause[?destination=<d>]   POST
//   /admin/deliveries/resume[?destination=<d>]
// Destinations: "" (the default) the regional platform, else a hospital's Organization id. With
// auth.mode jwt a bearer token with the scope kAdminScope is needed (401 / 403 otherwise).
class DeliveriesAdmin {
 public:
  DeliveriesAdmin(store::IStore& store, std::vector<RegionalSender*> senders,
                  const auth::TokenVerifier* verifier, const core::IClock& clock)
      : store_(store), senders_(std::move(senders)), verifier_(verifier), clock_(clock) {}
  http::Response operator()(const http::Request& r) const;

 private:
  http::Response list(const http::Request& r) const;
  store::IStore& store_;
  std::vector<RegionalSender*> senders_;
  const auth::TokenVerifier* verifier_;
  const core::IClock& clock_;
};

}  // namespace medbridge::app
