package io.ringloom.net;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ring-backed implementations' transition tables, as their class comments draw them; needs no ring. */
class SocketStatesTest {
    private static List<String> legal(String[] names, BiPredicate<Integer, Integer> isLegal) {
        List<String> out = new ArrayList<>();
        for (int from = 0; from < names.length; from++) {
            for (int to = 0; to < names.length; to++) {
                if (isLegal.test(from, to)) out.add(names[from] + " -> " + names[to]);
            }
        }
        return out;
    }

    @Test
    void streamSocketTransitions() {
        String[] names = new String[5];
        names[RingStreamSocket.ST_UNCONNECTED] = "UNCONNECTED";
        names[RingStreamSocket.ST_CONNECTING] = "CONNECTING";
        names[RingStreamSocket.ST_CONNECTED] = "CONNECTED";
        names[RingStreamSocket.ST_CLOSING] = "CLOSING";
        names[RingStreamSocket.ST_CLOSED] = "CLOSED";
        assertEquals(List.of(
                "UNCONNECTED -> CONNECTING",
                "UNCONNECTED -> CLOSING",
                "CONNECTING -> CONNECTED",
                "CONNECTING -> CLOSING",
                "CONNECTED -> CLOSING",
                "CLOSING -> CLOSED"), legal(names, RingStreamSocket::isLegal));
    }

    @Test
    void listenerTransitions() {
        String[] names = new String[4];
        names[RingListener.ST_UNBOUND] = "UNBOUND";
        names[RingListener.ST_LISTENING] = "LISTENING";
        names[RingListener.ST_CLOSING] = "CLOSING";
        names[RingListener.ST_CLOSED] = "CLOSED";
        assertEquals(List.of(
                "UNBOUND -> LISTENING",
                "UNBOUND -> CLOSING",
                "LISTENING -> CLOSING",
                "CLOSING -> CLOSED"), legal(names, RingListener::isLegal));
    }
}
