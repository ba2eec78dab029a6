package io.ringloom.bench;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** How the open-loop client finds complete answers in what it received. */
class OpenLoopClientTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!";

    private static ByteBuffer received(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aCompleteAnswerIsItsHeadAndBody() {
        assertEquals(OK.length(), OpenLoopClient.Answers.complete(received(OK)));
        assertTrue(OpenLoopClient.Answers.isOk(received(OK)));
    }

    @Test
    void anAnswerThatHasNotAllArrivedIsNotComplete() {
        for (int cut = 0; cut < OK.length(); cut++) {
            assertEquals(0, OpenLoopClient.Answers.complete(received(OK.substring(0, cut))), "first " + cut + " bytes");
        }
    }

    @Test
    void answersBackToBackAreTakenOneAtATimeFromThePosition() {
        String bad = "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 4\r\n\r\nnope";
        ByteBuffer b = received(OK + bad + OK.substring(0, 10));
        int first = OpenLoopClient.Answers.complete(b);
        assertEquals(OK.length(), first);
        b.position(first);
        assertEquals(bad.length(), OpenLoopClient.Answers.complete(b), "Content-Length in any case");
        assertFalse(OpenLoopClient.Answers.isOk(b));
        b.position(first + bad.length());
        assertEquals(0, OpenLoopClient.Answers.complete(b));
    }

    @Test
    void anAnswerWithoutContentLengthIsRefused() {
        assertThrows(IllegalStateException.class,
                () -> OpenLoopClient.Answers.complete(received("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")));
    }
}
