// CONFIG parameters of the ACL: requirepass (the default user's password),
// aclfile (immutable at run time: --aclfile), acl-pubsub-default.
#include "acl.h"
#include "args.h"
#include "config.h"

namespace kora::server {

const CustomConfig kRequirepassConfig{
    [] { return AclRegistry::instance().requirepass(); },
    [](std::string_view) -> std::optional<std::string> { return std::nullopt; },
    [](std::string_view text) { AclRegistry::instance().set_requirepass(text); },
};

const CustomConfig kAclfileConfig{
    [] { return AclRegistry::instance().aclfile(); },
    [](std::string_view) -> std::optional<std::string> { return std::string("can't set immutable config"); },
    [](std::string_view) {},
};

const CustomConfig kAclPubsubDefaultConfig{
    [] { return std::string(AclRegistry::instance().pubsub_default_all.load() ? "allchannels" : "resetchannels"); },
    [](std::string_view text) -> std::optional<std::string> {
      if (iequals(text, "allchannels") || iequals(text, "resetchannels")) return std::nullopt;
      return std::string("argument(s) must be one of the following: allchannels, resetchannels");
    },
    [](std::string_view text) { AclRegistry::instance().pubsub_default_all.store(iequals(text, "allchannels")); },
};

}  // namespace kora::server
