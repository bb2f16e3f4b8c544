#include "kora/core/errors.h"

#include <utility>

namespace kora::core {
namespace {

// The two parts of an argument that carries two: "<first>\0<second>".
std::pair<std::string, std::string> split_nul(const std::string& a) {
  const std::size_t nul = a.find('\0');
  return {a.substr(0, nul), nul == std::string::npos ? std::string() : a.substr(nul + 1)};
}

}  // namespace

std::string error_message(Errc code, std::string_view arg) {
  std::string a(arg);
  switch (code) {
    case Errc::kWrongType:
      return "WRONGTYPE Operation against a key holding the wrong kind of value";
    case Errc::kNotInteger:
      return "ERR value is not an integer or out of range";
    case Errc::kNotFloat:
      return "ERR value is not a valid float";
    case Errc::kOverflow:
      return "ERR increment or decrement would overflow";
    case Errc::kDecrementOverflow:
      return "ERR decrement would overflow";
    case Errc::kExpireFlagsNxXx:
      return "ERR NX and XX, GT or LT options at the same time are not compatible";
    case Errc::kExpireFlagsGtLt:
      return "ERR GT and LT options at the same time are not compatible";
    case Errc::kUnsupportedOption:
      return "ERR Unsupported option " + a;
    case Errc::kNoProto:
      return "NOPROTO unsupported protocol version";
    case Errc::kCrossShard:
      return "CROSSSLOT Keys in request don't hash to the same slot";
    case Errc::kSyntax:
      return "ERR syntax error";
    case Errc::kNoSuchKey:
      return "ERR no such key";
    case Errc::kInvalidExpire:
      return "ERR invalid expire time in '" + a + "' command";
    case Errc::kWrongArity:
      return "ERR wrong number of arguments for '" + a + "' command";
    case Errc::kUnknownCommand:
      // `arg` is "<name>\0<formatted args>" so one parameter carries both parts.
      {
        auto [name, rest] = split_nul(a);
        return "ERR unknown command '" + name + "', with args beginning with: " + rest;
      }
    case Errc::kUnknownSubcommand: {
      auto [sub, cmd] = split_nul(a);
      return "ERR unknown subcommand '" + sub + "'. Try " + cmd + " HELP.";
    }
    case Errc::kDbIndexOutOfRange:
      return "ERR DB index is out of range";
    case Errc::kStringTooLong:
      return "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    case Errc::kOutOfMemory:
      return "OOM command not allowed when used memory > 'maxmemory'.";
    case Errc::kShuttingDown:
      return "ERR server is shutting down";
    case Errc::kMustBePositive:
      return "ERR value is out of range, must be positive";
    case Errc::kValueNotBetween:
      return "ERR value is out of range, value must between " + a;
    case Errc::kNumkeysNotPositive:
      return "ERR numkeys should be greater than 0";
    case Errc::kNumkeysTooMany:
      return "ERR Number of keys can't be greater than number of args";
    case Errc::kLimitNegative:
      return "ERR LIMIT can't be negative";
    case Errc::kInvalidCursor:
      return "ERR invalid cursor";
    case Errc::kHashNotInteger:
      return "ERR hash value is not an integer";
    case Errc::kHashNotFloat:
      return "ERR hash value is not a float";
    case Errc::kValueNanOrInf:
      return "ERR value is NaN or Infinity";
    case Errc::kIncrNanOrInf:
      return "ERR increment would produce NaN or Infinity";
    case Errc::kOutOfRange:
      return "ERR value is out of range";
    case Errc::kIndexOutOfRange:
      return "ERR index out of range";
    case Errc::kRankZero:
      return "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             "or use negative to start from the end of the list";
    case Errc::kCountNegative:
      return "ERR COUNT can't be negative";
    case Errc::kMaxlenNegative:
      return "ERR MAXLEN can't be negative";
    case Errc::kCountNotPositive:
      return "ERR count should be greater than 0";
    case Errc::kOffsetOutOfRange:
      return "ERR offset is out of range";
    case Errc::kLcsNotString:
      return "ERR The specified keys must contain string values";
    case Errc::kLcsLenAndIdx:
      return "ERR If you want both the length and indexes, please just use IDX.";
    case Errc::kLcsTooBig:
      return "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
    case Errc::kLcsAllocFailed:
      return "ERR Insufficient memory, failed allocating transient memory for LCS";
    case Errc::kDumpPayload:
      return "ERR DUMP payload version or checksum are wrong";
    case Errc::kBusyKey:
      return "BUSYKEY Target key name already exists.";
    case Errc::kProtocol:
      return "ERR Protocol error: " + a;
    case Errc::kTimeoutNotFloat:
      return "ERR timeout is not a float or out of range";
    case Errc::kTimeoutNegative:
      return "ERR timeout is negative";
    case Errc::kWatchInMulti:
      return "ERR WATCH inside MULTI is not allowed";
    case Errc::kMultiNested:
      return "ERR MULTI calls can not be nested";
    case Errc::kWithoutMulti:
      return "ERR " + a + " without MULTI";
    case Errc::kExecAbort:
      return "EXECABORT Transaction discarded because of previous errors.";
    case Errc::kUnblocked:
      return "UNBLOCKED client unblocked via CLIENT UNBLOCK";
    case Errc::kSameObject:
      return "ERR source and destination objects are the same";
    case Errc::kInternalMerge:
      return "ERR internal error merging shard replies";
    case Errc::kNoSuchClient:
      return "ERR No such client";
    case Errc::kUnblockReason:
      return "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
    case Errc::kSlowlogCount:
      return "ERR count should be greater than or equal to -1";
    case Errc::kSubcommandSyntax: {
      auto [sub, cmd] = split_nul(a);
      return "ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " + cmd + " HELP.";
    }
    case Errc::kConfigSetFailed: {
      auto [name, why] = split_nul(a);
      return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why;
    }
    case Errc::kConfigSetUnknown:
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + a + "'";
    case Errc::kNoConfigFile:
      return "ERR The server is running without a config file";
    case Errc::kInvalidFirstDb:
      return "ERR invalid first DB index";
    case Errc::kInvalidSecondDb:
      return "ERR invalid second DB index";
    case Errc::kInvalidIdletime:
      return "ERR Invalid IDLETIME value, must be >= 0";
    case Errc::kInvalidFreq:
      return "ERR Invalid FREQ value, must be >= 0 and <= 255";
    case Errc::kInvalidTtl:
      return "ERR Invalid TTL value, must be >= 0";
    case Errc::kProtocolVersion:
      return "ERR Protocol version is not an integer or out of range";
    case Errc::kWrongPass:
      return "WRONGPASS invalid username-password pair or user is disabled.";
    case Errc::kHelloSyntax:
      return "ERR Syntax error in HELLO option '" + a + "'";
    case Errc::kClientName:
      return "ERR Client names cannot contain spaces, newlines or special characters.";
    case Errc::kUnrecognizedOption:
      return "ERR Unrecognized option '" + a + "'";
    case Errc::kClientText:
      return "ERR " + a + " cannot contain spaces, newlines or special characters.";
    case Errc::kInvalidCommand:
      return "ERR Invalid command specified";
    case Errc::kInvalidArgCount:
      return "ERR Invalid number of arguments specified for command";
    case Errc::kNoSamples:
      return "ERR No samples available for event '" + a + "'";
    case Errc::kNeedsConnection:
      return "ERR MULTI, EXEC and DISCARD need a client connection";
    case Errc::kNoLfuPolicy:
      return "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
             "that when switching between policies at runtime LRU and LFU data will take some time to "
             "adjust.";
    case Errc::kNotInTransaction:
      return "ERR " + a + " is only available to a client connection";
    case Errc::kZsetNan:
      return "ERR resulting score is not a number (NaN)";
    case Errc::kZaddXxNx:
      return "ERR XX and NX options at the same time are not compatible";
    case Errc::kZaddGtLtNx:
      return "ERR GT, LT, and/or NX options at the same time are not compatible";
    case Errc::kZaddIncrPair:
      return "ERR INCR option supports a single increment-element pair";
    case Errc::kMinMaxNotFloat:
      return "ERR min or max is not a float";
    case Errc::kMinMaxNotString:
      return "ERR min or max not valid string range item";
    case Errc::kLimitNeedsBy:
      return "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    case Errc::kWithscoresBylex:
      return "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    case Errc::kWeightNotFloat:
      return "ERR weight value is not a float";
    case Errc::kAtLeastOneKey:
      return "ERR at least 1 input key is needed for '" + a + "' command";
    case Errc::kHllNotHll:
      return "WRONGTYPE Key is not a valid HyperLogLog string value.";
    case Errc::kHllCorrupt:
      return "INVALIDOBJ Corrupted HLL object detected";
    case Errc::kHllNoSuchKey:
      return "ERR The specified key does not exist";
    case Errc::kHllNotSparse:
      return "ERR HLL encoding is not sparse";
    case Errc::kPfdebugUnknown:
      return "ERR Unknown PFDEBUG subcommand '" + a + "'";
    case Errc::kHllTestFailed:
      return "ERR " + a;
    case Errc::kBitOffset:
      return "ERR bit offset is not an integer or out of range";
    case Errc::kBitNotInteger:
      return "ERR bit is not an integer or out of range";
    case Errc::kBitposBit:
      return "ERR The bit argument must be 1 or 0.";
    case Errc::kBitopNotOneKey:
      return "ERR BITOP NOT must be called with a single source key.";
    case Errc::kBitfieldType:
      return "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    case Errc::kBitfieldOverflow:
      return "ERR Invalid OVERFLOW type specified";
    case Errc::kBitfieldRoWrite:
      return "ERR BITFIELD_RO only supports the GET subcommand";
    case Errc::kGeoLonLat:
      return "ERR invalid longitude,latitude pair " + a;
    case Errc::kGeoUnit:
      return "ERR unsupported unit provided. please use M, KM, FT, MI";
    case Errc::kGeoNeedRadius:
      return "ERR need numeric radius";
    case Errc::kGeoRadiusNegative:
      return "ERR radius cannot be negative";
    case Errc::kGeoNeedWidth:
      return "ERR need numeric width";
    case Errc::kGeoNeedHeight:
      return "ERR need numeric height";
    case Errc::kGeoBoxNegative:
      return "ERR height or width cannot be negative";
    case Errc::kGeoMemberDecode:
      return "ERR could not decode requested zset member";
    case Errc::kGeoCountPositive:
      return "ERR COUNT must be > 0";
    case Errc::kGeoStoreWith:
      return "ERR " + a + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options";
    case Errc::kGeoFromOne:
      return "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + a;
    case Errc::kGeoByOne:
      return "ERR exactly one of BYRADIUS and BYBOX can be specified for " + a;
    case Errc::kGeoAnyNeedsCount:
      return "ERR the ANY argument requires COUNT argument";
    case Errc::kSortNotDouble:
      return "ERR One or more scores can't be converted into double";
    case Errc::kStreamInvalidId:
      return "ERR Invalid stream ID specified as stream command argument";
    case Errc::kStreamIdTooSmall:
      return "ERR The ID specified in XADD is equal or smaller than the target stream top item";
    case Errc::kStreamIdZero:
      return "ERR The ID specified in XADD must be greater than 0-0";
    case Errc::kStreamExhausted:
      return "ERR The stream has exhausted the last possible ID, unable to add more items";
    case Errc::kStreamMaxlenMinid:
      return "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
    case Errc::kStreamMaxlenNegative:
      return "ERR The MAXLEN argument must be >= 0.";
    case Errc::kStreamLimitNegative:
      return "ERR The LIMIT argument must be >= 0.";
    case Errc::kStreamLimitNoStrategy:
      return "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
    case Errc::kStreamXtrimNoStrategy:
      return "ERR syntax error, XTRIM must be called with a trimming strategy";
    case Errc::kStreamLimitNoApprox:
      return "ERR syntax error, LIMIT cannot be used without the special ~ option";
    case Errc::kStreamInvalidStart:
      return "ERR invalid start ID for the interval";
    case Errc::kStreamInvalidEnd:
      return "ERR invalid end ID for the interval";
    case Errc::kStreamUnbalanced:
      return "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
    case Errc::kStreamGroupOnlyXreadgroup:
      return "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
    case Errc::kStreamNoackOnlyXreadgroup:
      return "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";
    case Errc::kStreamMissingGroup:
      return "ERR Missing GROUP option for XREADGROUP";
    case Errc::kStreamNoGroupRead: {
      auto [key, group] = split_nul(a);
      return "NOGROUP No such key '" + key + "' or consumer group '" + group + "' in XREADGROUP with GROUP option";
    }
    case Errc::kStreamDollarInGroup:
      return "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.";
    case Errc::kStreamGtOutsideGroup:
      return "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.";
    case Errc::kStreamGroupGone:
      return "NOGROUP the consumer group this client was blocked on no longer exists";
    case Errc::kStreamEntriesAddedNegative:
      return "ERR entries_added must be positive";
    case Errc::kStreamSetIdBelowMaxDeletedArg:
      return "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
    case Errc::kStreamSetIdBelowTop:
      return "ERR The ID specified in XSETID is smaller than the target stream top item";
    case Errc::kStreamEntriesAddedBelowLength:
      return "ERR The entries_added specified in XSETID is smaller than the target stream length";
    case Errc::kStreamEntriesReadInvalid:
      return "ERR value for ENTRIESREAD must be positive or -1";
    case Errc::kStreamXgroupNoKey:
      return "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
    case Errc::kStreamNoGroupForKey: {
      auto [group, key] = split_nul(a);
      return "NOGROUP No such consumer group '" + group + "' for key name '" + key + "'";
    }
    case Errc::kStreamBusyGroup:
      return "BUSYGROUP Consumer Group name already exists";
    case Errc::kStreamNoKeyOrGroup: {
      auto [key, group] = split_nul(a);
      return "NOGROUP No such key '" + key + "' or consumer group '" + group + "'";
    }
    case Errc::kStreamBadOptionArg:
      return "ERR " + a;
    case Errc::kStreamXclaimOption:
      return "ERR Unrecognized XCLAIM option '" + a + "'";
    case Errc::kStreamXautoclaimCount:
      return "ERR COUNT must be > 0";
    case Errc::kTimeoutNotInteger:
      return "ERR timeout is not an integer or out of range";
    case Errc::kStreamTooLarge:
      return "ERR Elements are too large to be stored";
    case Errc::kStreamKeyGone:
      return "UNBLOCKED the stream key no longer exists";
    case Errc::kShutdownFailed:
      return "ERR Errors trying to SHUTDOWN. Check logs.";
    case Errc::kNoShutdownInProgress:
      return "ERR No shutdown in progress.";
    case Errc::kNoAuth:
      return "NOAUTH Authentication required.";
    case Errc::kNoPermCommand:
      return "NOPERM this user has no permissions to run the '" + a + "' command";
    case Errc::kNoPermKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case Errc::kNoPermChannel:
      return "NOPERM this user has no permissions to access one of the channels used as arguments";
    case Errc::kNoPermExec:
      return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
             "call. This command is no longer allowed for the following reason: " + a;
    case Errc::kAuthNoPassword:
      return "ERR AUTH <password> called without any password configured for the default user. Are you "
             "sure your configuration is correct?";
    case Errc::kHelloNoAuth:
      return "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
             "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
             "protocol version at the same time";
    case Errc::kAclError:
      return "ERR " + a;
    case Errc::kAclBadUsername:
      return "ERR Usernames can't contain spaces or null characters";
    case Errc::kAclDeleteDefault:
      return "ERR The 'default' user cannot be removed";
    case Errc::kAclNoFile:
      return "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
             "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
             "configuration file set) in order to store users in the Redis configuration.";
    case Errc::kAclSaveFailed:
      return "ERR There was an error trying to save the ACLs. Please check the server logs for more "
             "information";
    case Errc::kAclUnknownCategory:
      return "ERR Unknown category '" + a.substr(0, 128) + "'";
    case Errc::kAclGenpassBits:
      return "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
             "number up to 4096";
    case Errc::kAclNoSuchUser:
      return "ERR User '" + a + "' not found";
    case Errc::kAclNoSuchCommand:
      return "ERR Command '" + a + "' not found";
    case Errc::kExecAbortBecause:
      return "EXECABORT Transaction discarded because of: " + a;
    case Errc::kUnknownClientType:
      return "ERR Unknown client type '" + a + "'";
    case Errc::kClientKillNoSuchUser:
      return "ERR No such user '" + a + "'";
    case Errc::kClientIdNotPositive:
      return "ERR client-id should be greater than 0";
    case Errc::kClientPauseMode:
      return "ERR CLIENT PAUSE mode must be WRITE or ALL";
    case Errc::kInvalidClientId:
      return "ERR Invalid client ID";
    case Errc::kTrackingRedirectTwice:
      return "ERR A client can only redirect to a single other client";
    case Errc::kTrackingRedirectMissing:
      return "ERR The client ID you want redirect to does not exist";
    case Errc::kTrackingPrefixNeedsBcast:
      return "ERR PREFIX option requires BCAST mode to be enabled";
    case Errc::kTrackingBcastSwitch:
      return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
    case Errc::kTrackingOptBcast:
      return "ERR OPTIN and OPTOUT are not compatible with BCAST";
    case Errc::kTrackingOptinOptout:
      return "ERR You can't specify both OPTIN mode and OPTOUT mode";
    case Errc::kTrackingOptSwitch:
      return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
    case Errc::kTrackingPrefixOverlapExisting: {
      auto [p, q] = split_nul(a);
      return "ERR Prefix '" + p + "' overlaps with an existing prefix '" + q + "'. Prefixes for a single client must not overlap.";
    }
    case Errc::kTrackingPrefixOverlapProvided: {
      auto [p, q] = split_nul(a);
      return "ERR Prefix '" + p + "' overlaps with another provided prefix '" + q + "'. Prefixes for a single client must not overlap.";
    }
    case Errc::kCachingNotTracking:
      return "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled";
    case Errc::kCachingYesNotOptin:
      return "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
    case Errc::kCachingNoNotOptout:
      return "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";
    case Errc::kReplicaKeyspace:
      return "ERR Replica can't interact with the keyspace";
    case Errc::kSortByAcl:
      return "ERR BY option of SORT denied due to insufficient ACL permissions.";
    case Errc::kSortGetAcl:
      return "ERR GET option of SORT denied due to insufficient ACL permissions.";
    case Errc::kNoScript:
      return "NOSCRIPT No matching script. Please use EVAL.";
    case Errc::kScriptKeysTooMany:
      return "ERR Number of keys can't be greater than number of args";
    case Errc::kScriptKeysNegative:
      return "ERR Number of keys can't be negative";
    case Errc::kScriptFlushOption:
      return "ERR SCRIPT FLUSH only support SYNC|ASYNC option";
    case Errc::kFunctionFlushOption:
      return "ERR FUNCTION FLUSH only supports SYNC|ASYNC option";
    case Errc::kNotBusy:
      return "NOTBUSY No scripts in execution right now.";
    case Errc::kUnkillable:
      return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
    case Errc::kBusyEval:
      return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    case Errc::kBusyFunction:
      return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
    case Errc::kScriptWriteFlagRo:
      return "ERR Can not execute a script with write flag using *_ro command.";
    case Errc::kScriptCompile:
      return "ERR Error compiling script (new function): " + a;
    case Errc::kScriptShebang:
      return "ERR " + a;
    case Errc::kScriptNoArgs:
      return "ERR Please specify at least one argument for this redis lib call";
    case Errc::kScriptArgType:
      return "ERR Lua redis lib command arguments must be strings or integers";
    case Errc::kScriptUnknownCommand:
      return "ERR Unknown Redis command called from script";
    case Errc::kScriptWrongArity:
      return "ERR Wrong number of args calling Redis command from script";
    case Errc::kScriptNoScriptCommand:
      return "ERR This Redis command is not allowed from script";
    case Errc::kScriptWriteInRo:
      return "ERR Write commands are not allowed from read-only scripts.";
    case Errc::kScriptUndeclaredKey:
      return "ERR Script attempted to access a non local key in a cluster node";
    case Errc::kScriptKilled:
      return "ERR Script killed by user with SCRIPT KILL...";
    case Errc::kClusterDisabled:
      return "ERR This instance has cluster support disabled";
    case Errc::kScriptAclDenied:
      return "ERR The user executing the script " + a;
    case Errc::kScriptOutsideRun:
      return "ERR redis.call/pcall can only be called inside a script invocation";
    case Errc::kFunctionNotFound:
      return "ERR Function not found";
    case Errc::kLibraryNotFound:
      return "ERR Library not found";
    case Errc::kFunctionBadKeys:
      return "ERR Bad number of keys provided";
    case Errc::kFunctionLoad:
      return "ERR " + a;
    case Errc::kFunctionRestorePolicy:
      return "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";
    case Errc::kFunctionDumpPayload:
      return "ERR DUMP payload version or checksum are wrong";
    case Errc::kFunctionCodeMissing:
      return "ERR Function code is missing";
    case Errc::kFunctionUnknownOption:
      return "ERR Unknown option given: " + a;
    case Errc::kFunctionListArgument:
      return "ERR Unknown argument " + a;
    case Errc::kFunctionListNoName:
      return "ERR library name argument was not given";
    case Errc::kScriptBlockOption:
      return "ERR " + a + " command is not allowed with BLOCK option from scripts";
    case Errc::kBadDataFormat:
      return "ERR Bad data format";
    case Errc::kBgsaveInProgress:
      return "ERR Background save already in progress";
    case Errc::kSnapshot:
      return a.empty() ? std::string("ERR") : "ERR " + a;
    case Errc::kLfuNoIdletime:
      return "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
             "switching between policies at runtime LRU and LFU data will take some time to adjust.";
    case Errc::kMaxClients:
      return "ERR max number of clients reached";
  }
  return "ERR unknown error";
}

}  // namespace kora::core
