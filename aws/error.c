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
