#pragma once

#include "gateway/auth/TokenVerifier.h"
#include "gateway/http/HttpServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

class RegionalSender;

// /admin/deliveries: the regional queue for the operator.
//   GET  /admin/deliveries[?state=pending|sent|dead|discarded&after=<id>&limit=<n>]
//   POST /admin/deliveries/retry?ids=1,2 (dead → pending)   POST …/discard?ids=1,2 (dead → discarded)
//   POST /admin/deliveries/pause   POST /admin/deliveries/resume
// With auth.mode jwt a bearer token with the scope kAdminScope is needed (401 / 403 otherwise).
class DeliveriesAdmin {
 public:
  static constexpr const char* kAdminScope = "medbridge/admin";
  DeliveriesAdmin(store::IStore& store, RegionalSender* sender, const auth::TokenVerifier* verifier,
                  const core::IClock& clock)
      : store_(store), sender_(sender), verifier_(verifier), clock_(clock) {}
  http::Response operator()(const http::Request& r) const;

 private:
  http::Response list(const http::Request& r) const;
  store::IStore& store_;
  RegionalSender* sender_;  // null when no regional.urls are configured
  const auth::TokenVerifier* verifier_;
  const core::IClock& clock_;
};

// null when the request may go on, else the 401 / 403 answer (JSON).
std::optional<http::Response> refuseUnlessAdmin(const http::Request& r,
                                                const auth::TokenVerifier* verifier);

}  // namespace medbridge::app
