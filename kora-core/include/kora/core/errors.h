#pragma once
// Every error Kora reports, with Redis 7's exact text kept in one table (errors.cc).

#include <string>
#include <string_view>

namespace kora::core {

enum class Errc : unsigned char {
  kWrongType,         // WRONGTYPE Operation against a key holding the wrong kind of value
  kNotInteger,        // ERR value is not an integer or out of range
  kNotFloat,          // ERR value is not a valid float
  kOverflow,          // ERR increment or decrement would overflow
  kDecrementOverflow, // ERR decrement would overflow (DECRBY of LLONG_MIN)
  kExpireFlagsNxXx,   // ERR NX and XX, GT or LT options at the same time are not compatible
  kExpireFlagsGtLt,   // ERR GT and LT options at the same time are not compatible
  kUnsupportedOption, // ERR Unsupported option <opt>
  kNoProto,           // NOPROTO unsupported protocol version
  kCrossShard,        // CROSSSLOT Keys in request don't hash to the same slot
  kSyntax,            // ERR syntax error
  kNoSuchKey,         // ERR no such key
  kInvalidExpire,     // ERR invalid expire time in '<cmd>' command
  kWrongArity,        // ERR wrong number of arguments for '<cmd>' command
  kUnknownCommand,    // ERR unknown command '<cmd>', with args beginning with: <args>
  kUnknownSubcommand, // ERR unknown subcommand '<sub>'. Try <CMD> HELP. (arg: "<sub>\0<CMD>")
  kDbIndexOutOfRange, // ERR DB index is out of range
  kStringTooLong,     // ERR string exceeds maximum allowed size (proto-max-bulk-len)
  kOutOfMemory,       // OOM command not allowed when used memory > 'maxmemory'.
  kShuttingDown,      // ERR server is shutting down
  kMustBePositive,    // ERR value is out of range, must be positive
  kValueNotBetween,   // ERR value is out of range, value must between <arg> (arg: "<min> and <max>")
  kNumkeysNotPositive,  // ERR numkeys should be greater than 0
  kNumkeysTooMany,    // ERR Number of keys can't be greater than number of args
  kLimitNegative,     // ERR LIMIT can't be negative
  kInvalidCursor,     // ERR invalid cursor
  kHashNotInteger,    // ERR hash value is not an integer
  kHashNotFloat,      // ERR hash value is not a float
  kValueNanOrInf,     // ERR value is NaN or Infinity
  kIncrNanOrInf,      // ERR increment would produce NaN or Infinity
  kOutOfRange,        // ERR value is out of range
  kIndexOutOfRange,   // ERR index out of range
  kRankZero,          // ERR RANK can't be zero: use 1 to start from the first match, ...
  kCountNegative,     // ERR COUNT can't be negative
  kMaxlenNegative,    // ERR MAXLEN can't be negative
  kCountNotPositive,  // ERR count should be greater than 0
  kOffsetOutOfRange,  // ERR offset is out of range (SETRANGE)
  kLcsNotString,      // ERR The specified keys must contain string values
  kLcsLenAndIdx,      // ERR If you want both the length and indexes, please just use IDX.
  kLcsTooBig,         // ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len
  kLcsAllocFailed,    // ERR Insufficient memory, failed allocating transient memory for LCS
  kDumpPayload,       // ERR DUMP payload version or checksum are wrong
  kBusyKey,           // BUSYKEY Target key name already exists.
  kProtocol,          // ERR Protocol error: <detail>
  kTimeoutNotFloat,   // ERR timeout is not a float or out of range
  kTimeoutNegative,   // ERR timeout is negative
  kWatchInMulti,      // ERR WATCH inside MULTI is not allowed
  kMultiNested,       // ERR MULTI calls can not be nested
  kWithoutMulti,      // ERR <CMD> without MULTI (arg: "EXEC" or "DISCARD")
  kExecAbort,         // EXECABORT Transaction discarded because of previous errors.
  kUnblocked,         // UNBLOCKED client unblocked via CLIENT UNBLOCK
  kSameObject,        // ERR source and destination objects are the same
  kInternalMerge,     // ERR internal error merging shard replies
  kNoSuchClient,      // ERR No such client
  kUnblockReason,     // ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR
  kSlowlogCount,      // ERR count should be greater than or equal to -1
  kSubcommandSyntax,  // ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP. (arg: "<sub>\0<CMD>")
  kConfigSetFailed,  // ERR CONFIG SET failed (possibly related to argument '<name>') - <why> (arg: "<name>\0<why>")
  kConfigSetUnknown, // ERR Unknown option or number of arguments for CONFIG SET - '<name>'
  kNoConfigFile,     // ERR The server is running without a config file
  kInvalidFirstDb,   // ERR invalid first DB index
  kInvalidSecondDb,  // ERR invalid second DB index
  kInvalidIdletime,  // ERR Invalid IDLETIME value, must be >= 0
  kInvalidFreq,      // ERR Invalid FREQ value, must be >= 0 and <= 255
  kInvalidTtl,       // ERR Invalid TTL value, must be >= 0
  kProtocolVersion,  // ERR Protocol version is not an integer or out of range
  kWrongPass,        // WRONGPASS invalid username-password pair or user is disabled.
  kHelloSyntax,      // ERR Syntax error in HELLO option '<opt>'
  kClientName,       // ERR Client names cannot contain spaces, newlines or special characters.
  kUnrecognizedOption, // ERR Unrecognized option '<opt>'
  kClientText,       // ERR <attr> cannot contain spaces, newlines or special characters.
  kInvalidCommand,   // ERR Invalid command specified
  kInvalidArgCount,  // ERR Invalid number of arguments specified for command
  kNoSamples,        // ERR No samples available for event '<event>'
  kNeedsConnection,  // ERR MULTI, EXEC and DISCARD need a client connection
  kNoLfuPolicy,      // ERR An LFU maxmemory policy is not selected, access frequency not tracked. ...
  kNotInTransaction,  // ERR <cmd> is only available to a client connection (MULTI/WATCH from execute())
  kZsetNan,           // ERR resulting score is not a number (NaN)
  kZaddXxNx,          // ERR XX and NX options at the same time are not compatible
  kZaddGtLtNx,        // ERR GT, LT, and/or NX options at the same time are not compatible
  kZaddIncrPair,      // ERR INCR option supports a single increment-element pair
  kMinMaxNotFloat,    // ERR min or max is not a float
  kMinMaxNotString,   // ERR min or max not valid string range item
  kLimitNeedsBy,      // ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX
  kWithscoresBylex,   // ERR syntax error, WITHSCORES not supported in combination with BYLEX
  kWeightNotFloat,    // ERR weight value is not a float
  kAtLeastOneKey,     // ERR at least 1 input key is needed for '<cmd>' command
  kHllNotHll,        // WRONGTYPE Key is not a valid HyperLogLog string value.
  kHllCorrupt,       // INVALIDOBJ Corrupted HLL object detected
  kHllNoSuchKey,     // ERR The specified key does not exist (PFDEBUG)
  kHllNotSparse,     // ERR HLL encoding is not sparse (PFDEBUG DECODE)
  kPfdebugUnknown,   // ERR Unknown PFDEBUG subcommand '<sub>'
  kHllTestFailed,    // ERR <detail> (PFSELFTEST: "TESTFAILED ...")
  kBitOffset,        // ERR bit offset is not an integer or out of range
  kBitNotInteger,    // ERR bit is not an integer or out of range (SETBIT's value)
  kBitposBit,        // ERR The bit argument must be 1 or 0.
  kBitopNotOneKey,   // ERR BITOP NOT must be called with a single source key.
  kBitfieldType,     // ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
  kBitfieldOverflow, // ERR Invalid OVERFLOW type specified
  kBitfieldRoWrite,  // ERR BITFIELD_RO only supports the GET subcommand
  kGeoLonLat,         // ERR invalid longitude,latitude pair <lon>,<lat> (arg: "%f,%f" text)
  kGeoUnit,           // ERR unsupported unit provided. please use M, KM, FT, MI
  kGeoNeedRadius,     // ERR need numeric radius
  kGeoRadiusNegative, // ERR radius cannot be negative
  kGeoNeedWidth,      // ERR need numeric width
  kGeoNeedHeight,     // ERR need numeric height
  kGeoBoxNegative,    // ERR height or width cannot be negative
  kGeoMemberDecode,   // ERR could not decode requested zset member
  kGeoCountPositive,  // ERR COUNT must be > 0
  kGeoStoreWith,      // ERR <what> is not compatible with WITHDIST, WITHHASH and WITHCOORD options
  kGeoFromOne,        // ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for <cmd>
  kGeoByOne,          // ERR exactly one of BYRADIUS and BYBOX can be specified for <cmd>
  kGeoAnyNeedsCount,  // ERR the ANY argument requires COUNT argument
  kSortNotDouble,     // ERR One or more scores can't be converted into double
  kStreamInvalidId,  // ERR Invalid stream ID specified as stream command argument
  kStreamIdTooSmall,  // ERR The ID specified in XADD is equal or smaller than the target stream top item
  kStreamIdZero,  // ERR The ID specified in XADD must be greater than 0-0
  kStreamExhausted,  // ERR The stream has exhausted the last possible ID, unable to add more items
  kStreamMaxlenMinid,  // ERR syntax error, MAXLEN and MINID options at the same time are not compatible
  kStreamMaxlenNegative,  // ERR The MAXLEN argument must be >= 0.
  kStreamLimitNegative,  // ERR The LIMIT argument must be >= 0.
  kStreamLimitNoStrategy,  // ERR syntax error, LIMIT cannot be used without specifying a trimming strategy
  kStreamXtrimNoStrategy,  // ERR syntax error, XTRIM must be called with a trimming strategy
  kStreamLimitNoApprox,  // ERR syntax error, LIMIT cannot be used without the special ~ option
  kStreamInvalidStart,  // ERR invalid start ID for the interval
  kStreamInvalidEnd,  // ERR invalid end ID for the interval
  kStreamUnbalanced,  // ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.
  kStreamGroupOnlyXreadgroup,  // ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.
  kStreamNoackOnlyXreadgroup,  // ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.
  kStreamMissingGroup,  // ERR Missing GROUP option for XREADGROUP
  kStreamNoGroupRead,  // NOGROUP No such key '<key>' or consumer group '<group>' in XREADGROUP with GROUP option (arg: "<key>\0<group>")
  kStreamDollarInGroup,  // ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.
  kStreamGtOutsideGroup,  // ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.
  kStreamGroupGone,  // NOGROUP the consumer group this client was blocked on no longer exists
  kStreamEntriesAddedNegative,  // ERR entries_added must be positive
  kStreamSetIdBelowMaxDeletedArg,  // ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id
  kStreamSetIdBelowTop,  // ERR The ID specified in XSETID is smaller than the target stream top item
  kStreamEntriesAddedBelowLength,  // ERR The entries_added specified in XSETID is smaller than the target stream length
  kStreamEntriesReadInvalid,  // ERR value for ENTRIESREAD must be positive or -1
  kStreamXgroupNoKey,  // ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.
  kStreamNoGroupForKey,  // NOGROUP No such consumer group '<group>' for key name '<key>' (arg: "<group>\0<key>")
  kStreamBusyGroup,  // BUSYGROUP Consumer Group name already exists
  kStreamNoKeyOrGroup,  // NOGROUP No such key '<key>' or consumer group '<group>' (arg: "<key>\0<group>")
  kStreamBadOptionArg,  // ERR <text> (arg: the text, e.g. "Invalid min-idle-time argument for XCLAIM")
  kStreamXclaimOption,  // ERR Unrecognized XCLAIM option '<opt>'
  kStreamXautoclaimCount,  // ERR COUNT must be > 0
  kTimeoutNotInteger,  // ERR timeout is not an integer or out of range
  kStreamTooLarge,  // ERR Elements are too large to be stored
  kStreamKeyGone,  // UNBLOCKED the stream key no longer exists
  kShutdownFailed,  // ERR Errors trying to SHUTDOWN. Check logs.
  kNoShutdownInProgress,  // ERR No shutdown in progress.
  kNoAuth,          // NOAUTH Authentication required.
  kNoPermCommand,   // NOPERM this user has no permissions to run the '<cmd>' command
  kNoPermKey,       // NOPERM this user has no permissions to access one of the keys used as arguments
  kNoPermChannel,   // NOPERM this user has no permissions to access one of the channels used as arguments
  kNoPermExec,      // NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: <why>
  kAuthNoPassword,  // ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?
  kHelloNoAuth,     // NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time
  kAclError,        // ERR <text> (ACL SETUSER / LOAD errors, built by acl.cc as Redis builds them)
  kAclBadUsername,  // ERR Usernames can't contain spaces or null characters
  kAclDeleteDefault,  // ERR The 'default' user cannot be removed
  kAclNoFile,       // ERR This Redis instance is not configured to use an ACL file. You may want to ...
  kAclSaveFailed,   // ERR There was an error trying to save the ACLs. Please check the server logs for more information
  kAclUnknownCategory,  // ERR Unknown category '<cat>'
  kAclGenpassBits,  // ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096
  kAclNoSuchUser,   // ERR User '<name>' not found
  kAclNoSuchCommand,  // ERR Command '<name>' not found
  kExecAbortBecause,  // EXECABORT Transaction discarded because of: <error> (EXEC itself refused)
  kUnknownClientType,  // ERR Unknown client type '<type>'
  kClientKillNoSuchUser,  // ERR No such user '<user>' (CLIENT KILL USER)
  kClientIdNotPositive,  // ERR client-id should be greater than 0
  kClientPauseMode,  // ERR CLIENT PAUSE mode must be WRITE or ALL
  kInvalidClientId,  // ERR Invalid client ID
  kTrackingRedirectTwice,  // ERR A client can only redirect to a single other client
  kTrackingRedirectMissing,  // ERR The client ID you want redirect to does not exist
  kTrackingPrefixNeedsBcast,  // ERR PREFIX option requires BCAST mode to be enabled
  kTrackingBcastSwitch,  // ERR You can't switch BCAST mode on/off before disabling tracking ...
  kTrackingOptBcast,  // ERR OPTIN and OPTOUT are not compatible with BCAST
  kTrackingOptinOptout,  // ERR You can't specify both OPTIN mode and OPTOUT mode
  kTrackingOptSwitch,  // ERR You can't switch OPTIN/OPTOUT mode before disabling tracking ...
  kTrackingPrefixOverlapExisting,  // ERR Prefix '<p>' overlaps with an existing prefix '<q>'. ... (arg: "<p>\0<q>")
  kTrackingPrefixOverlapProvided,  // ERR Prefix '<p>' overlaps with another provided prefix '<q>'. ... (arg: "<p>\0<q>")
  kCachingNotTracking,  // ERR CLIENT CACHING can be called only when the client is in tracking mode ...
  kCachingYesNotOptin,  // ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.
  kCachingNoNotOptout,  // ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.
  kReplicaKeyspace,  // ERR Replica can't interact with the keyspace (a MONITOR client)
  kSortByAcl,         // ERR BY option of SORT denied due to insufficient ACL permissions.
  kSortGetAcl,        // ERR GET option of SORT denied due to insufficient ACL permissions.
  // Scripting and functions (script_commands.cc, scripting.cc).
  kNoScript,  // NOSCRIPT No matching script. Please use EVAL.
  kScriptKeysTooMany,  // ERR Number of keys can't be greater than number of args
  kScriptKeysNegative,  // ERR Number of keys can't be negative
  kScriptFlushOption,  // ERR SCRIPT FLUSH only support SYNC|ASYNC option
  kFunctionFlushOption,  // ERR FUNCTION FLUSH only supports SYNC|ASYNC option
  kNotBusy,  // NOTBUSY No scripts in execution right now.
  kUnkillable,  // UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.
  kBusyEval,  // BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.
  kBusyFunction,  // BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.
  kScriptWriteFlagRo,  // ERR Can not execute a script with write flag using *_ro command.
  kScriptCompile,  // ERR Error compiling script (new function): <arg>
  kScriptShebang,  // ERR <arg>
  kScriptNoArgs,  // ERR Please specify at least one argument for this redis lib call
  kScriptArgType,  // ERR Lua redis lib command arguments must be strings or integers
  kScriptUnknownCommand,  // ERR Unknown Redis command called from script
  kScriptWrongArity,  // ERR Wrong number of args calling Redis command from script
  kScriptNoScriptCommand,  // ERR This Redis command is not allowed from script
  kScriptWriteInRo,  // ERR Write commands are not allowed from read-only scripts.
  kScriptUndeclaredKey,  // ERR Script attempted to access a non local key in a cluster node
  kScriptKilled,  // ERR Script killed by user with SCRIPT KILL...
  kScriptOutsideRun,  // ERR redis.call/pcall can only be called inside a script invocation
  kFunctionNotFound,  // ERR Function not found
  kLibraryNotFound,  // ERR Library not found
  kFunctionBadKeys,  // ERR Bad number of keys provided
  kFunctionLoad,  // ERR <arg>
  kFunctionRestorePolicy,  // ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.
  kFunctionDumpPayload,  // ERR DUMP payload version or checksum are wrong
  kFunctionCodeMissing,  // ERR Function code is missing
  kFunctionUnknownOption,  // ERR Unknown option given: <arg>
  kFunctionListArgument,  // ERR Unknown argument <arg>
  kFunctionListNoName,  // ERR library name argument was not given
  kScriptBlockOption,  // ERR <command> command is not allowed with BLOCK option from scripts (arg: argv[0])
  kScriptAclDenied,  // ERR The user executing the script <arg> (the ACL reason)
  kClusterDisabled,  // ERR This instance has cluster support disabled
  kBadDataFormat,      // ERR Bad data format (RESTORE of a payload whose value does not parse)
  kBgsaveInProgress,   // ERR Background save already in progress
  kSnapshot,           // ERR <arg> (a snapshot that could not be written or read: the detail)
  kLfuNoIdletime,  // ERR An LFU maxmemory policy is selected, idle time not tracked. ...
  kMaxClients,  // ERR max number of clients reached
};

// The message of `code` as Redis sends it after '-' (no CRLF). `arg` fills the
// placeholder of the codes that have one (command name, protocol detail) and is
// ignored by the others.
std::string error_message(Errc code, std::string_view arg = {});

// An error value: the code plus its fully formatted message.
struct Error {
  Errc code;
  std::string message;

  static Error of(Errc code, std::string_view arg = {}) {
    return Error{code, error_message(code, arg)};
  }
};

}  // namespace kora::core
