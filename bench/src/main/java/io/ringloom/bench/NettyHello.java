package io.ringloom.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The peer in {@code bench http}: a Netty 4.2 hello server on Netty's io_uring
 * transport, answering {@code GET /} with the same bytes as ringhttp
 * (Content-Length, Content-Type: text/plain, "Hello, World!"). Usage:
 * {@code NettyHello PORT}; prints {@code listening PORT}.
 */
public final class NettyHello {
    private NettyHello() {}

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        if (!IoUring.isAvailable()) throw new IllegalStateException("Netty io_uring unavailable", IoUring.unavailabilityCause());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                IoUringIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap().group(group).channel(IoUringServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new Hello());
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]))).sync().channel();
            System.out.println("listening " + ((InetSocketAddress) ch.localAddress()).getPort());
            System.out.flush();
            ch.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    static final class Hello extends SimpleChannelInboundHandler<HttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpRequest req) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(HELLO));
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, HELLO.length);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, "close");
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
