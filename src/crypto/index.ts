// cdk-secure-bucket/crypto: the runtime crypto of the package @cdk-secure-bucket/crypto, re-exported for the users
// who import it from here. New code imports @cdk-secure-bucket/crypto, which installs without aws-cdk-lib.
export * from '@cdk-secure-bucket/crypto';
