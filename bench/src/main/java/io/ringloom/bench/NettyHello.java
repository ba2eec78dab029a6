package io.ringloom.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The Netty 4.2 peer of the HTTP benchmarks, on Netty's io_uring transport, one event
 * loop per available processor. Usage: {@code NettyHello PORT [--delay-us N]
 * [--upstream HOST:PORT]}; prints {@code listening PORT}.
 *
 * <ul>
 * <li>Plain ({@code bench http}): answers every request with the same bytes as ringhttp's
 *     {@code GET /} (Content-Length, Content-Type: text/plain, "Hello, World!").
 * <li>{@code --delay-us N} ({@code bench proxy}'s mock backend): the same answer, N us
 *     after the request arrived, from a task scheduled on the connection's event loop, so
 *     the loop goes on serving other connections meanwhile.
 * <li>{@code --upstream HOST:PORT} ({@code bench proxy}'s Netty server): as ringhttp's
 *     {@code --upstream}, {@value #UPSTREAM_PATH} answers with the body of a {@code GET /}
 *     to HOST:PORT, made asynchronously through Netty's own HTTP client on the connection's
 *     event loop, over a kept-alive connection of the client connection's own, opened at its
 *     first such request (502 when the call fails); other paths get the plain answer. Like
 *     ringhttp's thread per connection, a connection's requests are answered one at a time.
 * </ul>
 */
public final class NettyHello {
    private NettyHello() {}

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    /** The path answered from the upstream server: ringhttp's ({@code io.ringloom.demos.Upstream.PATH}). */
    static final String UPSTREAM_PATH = "/upstream";
    private static final int MAX_MESSAGE = 8192;

    public static void main(String[] args) throws Exception {
        if (!IoUring.isAvailable()) throw new IllegalStateException("Netty io_uring unavailable", IoUring.unavailabilityCause());
        int port = Integer.parseInt(args[0]);
        long delayNanos = 0;
        InetSocketAddress upstream = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--delay-us" -> delayNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[++i]));
                case "--upstream" -> {
                    String hostPort = args[++i];
                    int colon = hostPort.lastIndexOf(':');
                    upstream = new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (known: --delay-us --upstream)");
            }
        }
        long delay = delayNanos;
        InetSocketAddress to = upstream;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                IoUringIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap().group(group).channel(IoUringServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_MESSAGE),
                                    to == null ? new Hello(delay) : new Proxy(to));
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
            System.out.println("listening " + ((InetSocketAddress) ch.localAddress()).getPort());
            System.out.flush();
            ch.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        if (!keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, "close");
        return r;
    }

    /** Writes {@code r} (flushed only when {@code flush}) and closes the connection after it when not kept alive. */
    private static void answer(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive, boolean flush) {
        var f = flush ? ctx.writeAndFlush(r) : ctx.write(r);
        if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
    }

    static final class Hello extends SimpleChannelInboundHandler<HttpRequest> {
        /** How long after its request an answer is written; 0: at once. */
        private final long delayNanos;

        Hello(long delayNanos) {
            this.delayNanos = delayNanos;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (delayNanos == 0) {
                answer(ctx, response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(HELLO), keepAlive), keepAlive, true);
            } else {
                ctx.executor().schedule(() -> answer(ctx, response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(HELLO), keepAlive),
                        keepAlive, true), delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        /** A client that resets its connection (a proxy closing its upstream link) ends it here, not in a logged warning. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * One client connection of the {@code --upstream} server. Its requests wait in
     * {@link #queued} and are answered in order, one at a time: a call to the upstream
     * server holds the rest until its answer came. Everything here runs on the
     * connection's event loop, which also runs its upstream connection.
     */
    static final class Proxy extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final InetSocketAddress upstream;
        /** Requests not yet answered, in arrival order; the head is the one being answered. */
        private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
        /** The head of {@link #queued} waits for the upstream server. */
        private boolean calling;
        /** The connection to the upstream server: null before the first call and after a failed one. */
        private Channel toUpstream;
        private ChannelHandlerContext ctx;

        Proxy(InetSocketAddress upstream) {
            super(false);   // requests are released once answered
            this.upstream = upstream;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            queued.add(req);
            if (!calling) answerQueued();
        }

        /** Answers queued requests until one needs the upstream server, whose call it then starts. */
        private void answerQueued() {
            FullHttpRequest req;
            while (!calling && (req = queued.peek()) != null) {
                if (req.uri().equals(UPSTREAM_PATH)) {
                    calling = true;
                    callUpstream();
                } else {
                    boolean keepAlive = HttpUtil.isKeepAlive(req);
                    queued.poll().release();
                    answer(ctx, response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(HELLO), keepAlive), keepAlive, false);
                }
            }
            ctx.flush();
        }

        private void callUpstream() {
            if (toUpstream != null) {
                sendUpstream();
                return;
            }
            ChannelFuture connecting = new Bootstrap().group(ctx.channel().eventLoop()).channel(IoUringSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_MESSAGE), new UpstreamReplies());
                        }
                    })
                    .connect(upstream);
            toUpstream = connecting.channel();
            connecting.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) sendUpstream();
                else upstreamFailed(f.cause());
            });
        }

        private void sendUpstream() {
            FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
            get.headers().set(HttpHeaderNames.HOST, upstream.getHostString() + ":" + upstream.getPort());
            toUpstream.writeAndFlush(get).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) upstreamFailed(f.cause());
            });
        }

        /** The upstream server's answer to the head of {@link #queued}. */
        private void replied(FullHttpResponse upstreamAnswer) {
            if (!calling) return;
            if (!upstreamAnswer.status().equals(HttpResponseStatus.OK)) {
                upstreamFailed(new IllegalStateException("the upstream server answered " + upstreamAnswer.status()));
                return;
            }
            if (!HttpUtil.isKeepAlive(upstreamAnswer)) dropUpstream();
            finishCall(HttpResponseStatus.OK, upstreamAnswer.content().retain());
        }

        private void upstreamFailed(Throwable cause) {
            dropUpstream();
            if (calling) {
                finishCall(HttpResponseStatus.BAD_GATEWAY,
                        Unpooled.copiedBuffer("upstream: " + cause + "\n", StandardCharsets.US_ASCII));
            }
        }

        private void finishCall(HttpResponseStatus status, ByteBuf body) {
            FullHttpRequest req = queued.poll();
            calling = false;
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            req.release();
            answer(ctx, response(status, body, keepAlive), keepAlive, false);
            answerQueued();
        }

        private void dropUpstream() {
            Channel c = toUpstream;
            toUpstream = null;
            if (c != null) c.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            dropUpstream();
            calling = false;
            for (FullHttpRequest r; (r = queued.poll()) != null; ) r.release();
            ctx.fireChannelInactive();
        }

        /** The upstream connection's last handler: hands answers and failures back to its client connection. */
        private final class UpstreamReplies extends SimpleChannelInboundHandler<FullHttpResponse> {
            @Override
            protected void channelRead0(ChannelHandlerContext upstreamCtx, FullHttpResponse r) {
                if (upstreamCtx.channel() == toUpstream) replied(r);
            }

            @Override
            public void channelInactive(ChannelHandlerContext upstreamCtx) {
                if (upstreamCtx.channel() == toUpstream) upstreamFailed(new IllegalStateException("the upstream server closed the connection"));
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
                if (upstreamCtx.channel() == toUpstream) upstreamFailed(cause);
                else upstreamCtx.close();
            }
        }
    }
}
