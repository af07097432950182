/** s3rver (an S3 protocol server on 127.0.0.1, the attachments tests' stand-in for MinIO) ships no types. */
declare module 's3rver' {
  export default class S3rver {
    constructor(options: { port?: number; address?: string; silent?: boolean; directory: string });
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
