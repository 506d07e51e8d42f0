/* certsweep — error codes shared by every room.
 *
 * Functions return 0 on success or one of these negative codes.  libuv,
 * libcurl, OpenSSL and expat errors are translated at the module boundary.
 */
#ifndef AWS_ERROR_H
#define AWS_ERROR_H

enum aws_err {
    AWS_OK          = 0,
    AWS_ENOMEM      = -1,   /* allocation failed */
    AWS_EINVAL      = -2,   /* bad argument or bad input */
    AWS_ETOOBIG     = -3,   /* a capped buffer would overflow its cap */
    AWS_ETIMEDOUT   = -4,   /* request or connect timeout */
    AWS_ECONN       = -5,   /* could not connect / connection reset / DNS */
    AWS_ETLS        = -6,   /* TLS handshake or verification failed */
    AWS_EHTTP       = -7,   /* other transport error */
    AWS_ESERVICE    = -8,   /* the service answered with an error (code/message set) */
    AWS_EPARSE      = -9,   /* response could not be decoded */
    AWS_ECANCELED   = -10,  /* shut down before completion */
    AWS_ENOCREDS    = -11,  /* no credential provider could supply credentials */
    AWS_ENOTFOUND   = -12,  /* file, profile or key not found */
    AWS_EIO         = -13,  /* local I/O error */
    AWS_EBUDGET     = -14,  /* retry budget exhausted */
};

const char *aws_strerror(int err);
/* A short AWS-style error code for `err`, for places that need a code
 * where the service gave none (a coverage gap after a transport failure):
 * "Timeout", "ConnectionError", "TLSError", "ResponseTooLarge",
 * "RetryBudgetExhausted", "Canceled", "NoCredentials", "ParseError", ...
 * Never NULL, never contains a space; aws_strerror() stays the text. */
const char *aws_error_code(int err);

#endif
