package dev.sds.kms.plugin.kms;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Counts and times every gRPC call by method and status code ({@code
 * kms_grpc_requests_seconds{method,code}}). Does nothing else.
 */
public final class GrpcMetricsInterceptor implements ServerInterceptor {
  private final MeterRegistry registry;

  public GrpcMetricsInterceptor(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    Timer.Sample sample = Timer.start(registry);
    ServerCall<Q, R> timed =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            sample.stop(
                Timer.builder("kms.grpc.requests")
                    .description("KMS v2 gRPC calls by method and status code")
                    .tag("method", method)
                    .tag("code", status.getCode().name())
                    .publishPercentileHistogram()
                    .register(registry));
            super.close(status, trailers);
          }
        };
    return next.startCall(timed, headers);
  }
}
