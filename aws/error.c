#include "aws/error.h"

const char *aws_strerror(int err)
{
    switch (err) {
    case AWS_OK:        return "success";
    case AWS_ENOMEM:    return "out of memory";
    case AWS_EINVAL:    return "invalid argument or input";
    case AWS_ETOOBIG:   return "response larger than its cap";
    case AWS_ETIMEDOUT: return "timed out";
    case AWS_ECONN:     return "could not connect";
    case AWS_ETLS:      return "TLS error";
    case AWS_EHTTP:     return "HTTP transport error";
    case AWS_ESERVICE:  return "service returned an error";
    case AWS_EPARSE:    return "could not parse response";
    case AWS_ECANCELED: return "canceled";
    case AWS_ENOCREDS:  return "no credentials found";
    case AWS_ENOTFOUND: return "not found";
    case AWS_EIO:       return "I/O error";
    case AWS_EBUDGET:   return "retry budget exhausted";
    }
    return "unknown error";
}

const char *aws_error_code(int err)
{
    switch (err) {
    case AWS_OK:        return "Success";
    case AWS_ENOMEM:    return "OutOfMemory";
    case AWS_EINVAL:    return "InvalidInput";
    case AWS_ETOOBIG:   return "ResponseTooLarge";
    case AWS_ETIMEDOUT: return "Timeout";
    case AWS_ECONN:     return "ConnectionError";
    case AWS_ETLS:      return "TLSError";
    case AWS_EHTTP:     return "HTTPError";
    case AWS_ESERVICE:  return "ServiceError";
    case AWS_EPARSE:    return "ParseError";
    case AWS_ECANCELED: return "Canceled";
    case AWS_ENOCREDS:  return "NoCredentials";
    case AWS_ENOTFOUND: return "NotFound";
    case AWS_EIO:       return "IOError";
    case AWS_EBUDGET:   return "RetryBudgetExhausted";
    }
    return "UnknownError";
}
